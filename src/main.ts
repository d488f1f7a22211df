#!/usr/bin/env node
import { runAsProgram } from './cli/cli';

/**
 * Starts the hub: `node dist/src/main.js [--config haven.json]`, the same as `haven start`. Without a
 * config file it runs on the embedded defaults (HTTP on 127.0.0.1:5001, data in ./data).
 * SIGINT/SIGTERM stop it cleanly; a second one exits at once.
 */
export function main(argv = process.argv.slice(2)): void {
  runAsProgram(['start', ...argv]);
}

if (require.main === module) main();
