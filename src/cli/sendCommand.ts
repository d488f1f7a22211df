import { InvalidArgumentError, type Command } from 'commander';
import { callHub, hubError, hubOptions, hubTarget } from './hubClient';
import type { CommandContext } from './subcommand';

/**
 * A value from the command line as the trigger expects it: a number when it reads as one (Dial.Number 5,
 * Flame.Intensity 42.5), `true`/`false`/`null` as JSON, anything else as text (On, intro).
 * `--text` keeps it text.
 */
export function parseValue(text: string, asText: boolean): string | number | boolean | null {
  if (asText) return text;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false' || text === 'null') return JSON.parse(text) as boolean | null;
  return text;
}

const wholeNumber = (text: string): number => {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError("needs a whole number (the device's message id)");
  return Number(text);
};

interface SendOpts {
  id?: number;
  status?: boolean;
  text?: boolean;
  json?: boolean;
  url?: string;
}

/** `haven send NAME [VALUE]`: one input through the same gate as every device (POST /api/trigger-event or -status). */
export function addSendCommand(program: Command, ctx: CommandContext): void {
  hubOptions(
    program
      .command('send')
      .description('send one trigger input to the hub, as a device would; prints its seq, or why it was rejected (exit 1)')
      .argument('<name>', 'trigger name, e.g. RedTelephone.Button_1')
      .argument('[value]', 'its value: On/Off, a Discrete choice, a number; none for a OneShot')
      .option('--id <n>', "the device's message id (ids that go back are stale)", wholeNumber)
      .option('--status', 'a status update: updates the cache only, dispatched to no service (POST /api/trigger-status)')
      .option('--text', 'send VALUE as text even when it reads as a number')
      .option('--json', "print the hub's answer as JSON"),
  ).action(async (name: string, value: string | undefined, opts: SendOpts) => {
    const target = hubTarget(opts, ctx);
    const body = { name, ...(value === undefined ? {} : { value: parseValue(value, opts.text === true) }), ...(opts.id === undefined ? {} : { id: opts.id }) };
    const answer = await callHub(target, 'POST', opts.status ? '/api/trigger-status' : '/api/trigger-event', body);
    const accepted = answer.status === 200 && typeof answer.body.trigger_seq === 'number';
    if (opts.json) (accepted ? ctx.out : ctx.err)(JSON.stringify(answer.body));
    else if (accepted) {
      const { trigger_seq: seq, dispatched_to: to } = answer.body;
      ctx.out(opts.status ? `status stored: seq ${seq}` : `accepted: seq ${seq}, dispatched to ${to ?? 0} service(s)`);
    } else ctx.err(`rejected: ${hubError(answer)}`);
    ctx.exit(accepted ? 0 : 1);
  });
}
