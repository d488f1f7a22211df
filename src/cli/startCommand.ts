import { InvalidArgumentError, type Command } from 'commander';
import { config as rxjs } from 'rxjs';
import { ConfigError, loadHavenConfig } from '../config/loadConfig';
import { createConfiguredLogger, createLogger, type Logger } from '../log';
import { createRuntime, type Runtime } from '../runtime/runtime';
import type { CommandContext } from './subcommand';

const port = (text: string): number => {
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new InvalidArgumentError('needs a port number, 0 to 65535 (0: any free port)');
  return Number(text);
};

interface StartOpts {
  data?: string;
  port?: number;
}

/**
 * `haven start`: the hub, as `npm start` runs it, until SIGINT/SIGTERM (exit 0 once stopped).
 * `--data` and `--port` override the config's storage.data_dir and comm.http.port, through the
 * same environment overrides the config loader applies, so they are validated like the file.
 */
export function addStartCommand(program: Command, ctx: CommandContext): void {
  program
    .command('start')
    .description('start the hub (HTTP API, WebSocket, SSE, sources, services) until Ctrl-C')
    .option('--data <dir>', 'data folder: store and event log (overrides storage.data_dir, HAVEN_DATA_DIR)')
    .option('--port <port>', 'HTTP port (overrides comm.http.port, HAVEN_HTTP_PORT); 0 binds a free port', port)
    .addHelpText('after', '\nIt logs to stderr ("HTTP API listening on http://…" once it serves); HAVEN_LOG_LEVEL sets the level.')
    .action(async (opts: StartOpts) => ctx.exit(await startHub(opts, ctx)));
}

/** Runs the hub until the context's signal; resolves with the exit code (2 a bad config, 1 it failed to start). */
export async function startHub(opts: StartOpts, ctx: CommandContext): Promise<number> {
  // Until the config is read, the level comes from HAVEN_LOG_LEVEL alone.
  let log: Logger = createLogger('Haven');
  // A subscriber that throws is reported here and its stream goes on: one consumer of the
  // committed records failing must not stop the process, nor any other consumer.
  rxjs.onUnhandledError = (err: unknown) =>
    log.error('a subscriber failed; its stream goes on', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  const env = { ...ctx.env };
  if (opts.data !== undefined) env.HAVEN_DATA_DIR = opts.data;
  if (opts.port !== undefined) env.HAVEN_HTTP_PORT = String(opts.port);
  let runtime: Runtime | undefined;
  try {
    const config = loadHavenConfig({ configFile: ctx.configFile(), env });
    log = createConfiguredLogger(config.log);
    runtime = createRuntime({ config, log, env });
    await runtime.start();
  } catch (err) {
    if (err instanceof ConfigError) {
      log.error(`Invalid configuration: ${err.message}`);
      return 2;
    }
    log.error('Failed to start', { error: (err as Error).stack ?? String(err) });
    await runtime?.stop().catch(() => undefined);
    return 1;
  }
  await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener('abort', () => resolve(), { once: true })));
  log.info(`${typeof ctx.signal.reason === 'string' ? ctx.signal.reason : 'stop'} received, shutting down`);
  try {
    await runtime.stop();
    return 0;
  } catch (err) {
    log.error('Shutdown failed', { error: String(err) });
    return 1;
  }
}
