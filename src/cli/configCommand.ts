import type { Command } from 'commander';
import { ConfigError, loadHavenConfig, loadTriggerConfig } from '../config/loadConfig';
import { checkAgainstCatalog } from '../config/startChecks';
import type { CommandContext } from './subcommand';

/**
 * `haven config check FILE`: reads the haven config as `haven start` would (the environment's
 * overrides included) and the trigger catalog it names, and checks what the components check
 * against the catalog at start (the Modbus map, the power bindings); exit 0 when the hub would start on them,
 * 1 with the file and the field that is wrong otherwise.
 */
export function addConfigCommand(program: Command, ctx: CommandContext): void {
  const config = program.command('config').summary('check a haven config file').description('Haven config files.');
  config
    .command('check')
    .description('validate a haven config and the trigger catalog it names, as `haven start` would read them')
    .argument('<file>', 'haven config (JSON)')
    .action((file: string) => {
      try {
        const checked = loadHavenConfig({ configFile: file, env: ctx.env });
        const { triggers } = loadTriggerConfig(checked.trigger.config_file);
        try {
          checkAgainstCatalog(checked, triggers);
        } catch (err) {
          throw err instanceof ConfigError ? err.in(file) : err;
        }
        const { host, port } = checked.comm.http;
        ctx.out(`${file}: ok (HTTP on ${host}:${port}, data in ${checked.storage.data_dir}, ${triggers.size} triggers from ${checked.trigger.config_file})`);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        ctx.err(err.message);
        ctx.exit(1);
      }
    });
}
