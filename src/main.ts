#!/usr/bin/env node
import { config as rxjs } from 'rxjs';
import { extractConfig } from './config/configArg';
import { ConfigError, loadHavenConfig } from './config/loadConfig';
import { createConfiguredLogger, createLogger, type Logger } from './log';
import { createRuntime } from './runtime/runtime';

/**
 * Starts the hub: `node dist/src/main.js [--config haven.json]`. Without a config file it runs on
 * the embedded defaults (HTTP on 127.0.0.1:5001, data in ./data). SIGINT/SIGTERM stop it cleanly.
 */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  // Until the config is read, the level comes from HAVEN_LOG_LEVEL alone.
  let log: Logger = createLogger('Haven');
  // A subscriber that throws is reported here and its stream goes on: one consumer of the
  // committed records failing must not stop the process, nor any other consumer.
  rxjs.onUnhandledError = (err: unknown) =>
    log.error('a subscriber failed; its stream goes on', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  const args = extractConfig(argv);
  if ('error' in args) {
    log.error(`Invalid command line: ${args.error}`);
    process.exit(2);
  }
  let runtime;
  try {
    const config = loadHavenConfig({ configFile: args.configFile });
    log = createConfiguredLogger(config.log);
    runtime = createRuntime({ config, log });
    await runtime.start();
  } catch (err) {
    if (err instanceof ConfigError) {
      log.error(`Invalid configuration: ${err.message}`);
      process.exit(2);
    }
    log.error('Failed to start', { error: (err as Error).stack ?? String(err) });
    await runtime?.stop().catch(() => undefined);
    process.exit(1);
  }
  let signals = 0;
  const shutdown = (signal: string) => {
    // A second signal means "now": the operator does not want to wait for the grace period.
    if (++signals > 1) process.exit(130);
    log.info(`${signal} received, shutting down`);
    runtime!.stop().then(
      () => process.exit(0),
      (err) => {
        log.error('Shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) void main();
