import { isolateTempFolder } from './tempFolders';

// Tests run quietly unless HAVEN_LOG_LEVEL asks otherwise; a failing test prints what it needs.
process.env.HAVEN_LOG_LEVEL ??= 'silent';

const tempFolder = isolateTempFolder();

/** Mocha's root hooks: after every spec, the run's temporary folder must be empty. */
export const mochaHooks = {
  afterAll(): void {
    tempFolder.check();
  },
};
