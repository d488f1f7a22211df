import type { Command } from 'commander';

/**
 * Commander's usage errors in the words Haven's CLI has always used, so they say where to look:
 * `Unknown keys command 'fly'`, `journal stats does not take --from` (an option another command
 * of the same group takes), `Unknown option '--colour'`. The command's help follows (see
 * `showHelpAfterError`), so the fix is on screen.
 */
export function usageMessage(command: Command, message: string): string {
  const text = message.replace(/^error: /, '').trimEnd();
  const group = groupPath(command);
  const unknownCommand = /^unknown command '([^']*)'/.exec(text);
  if (unknownCommand) return `Unknown ${group ? `${group} ` : ''}command '${unknownCommand[1]}'${text.slice(unknownCommand[0].length)}`;
  const unknownOption = /^unknown option '([^']*)'/.exec(text);
  if (unknownOption) {
    const flag = unknownOption[1].split('=')[0];
    const elsewhere = command.parent?.commands.some((sibling) => sibling !== command && sibling.options.some((o) => o.long === flag || o.short === flag));
    if (elsewhere) return `${[group, command.name()].filter(Boolean).join(' ')} does not take ${flag}`;
    return `Unknown option '${unknownOption[1]}'${text.slice(unknownOption[0].length)}`;
  }
  if (/^too many arguments/.test(text)) {
    const extra = command.args.slice(command.registeredArguments.length).map((a) => `'${a}'`);
    if (extra.length) return `${[group, command.name()].filter(Boolean).join(' ')} does not take ${extra.join(', ')}`;
  }
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `keys` for `haven keys create`, '' for the program itself: the words between `haven` and the command. */
function groupPath(command: Command): string {
  const names: string[] = [];
  for (let c = command.parent; c?.parent; c = c.parent) names.unshift(c.name());
  // A group reporting its own unknown subcommand names itself.
  if (command.parent && command.commands.length) names.push(command.name());
  return names.join(' ');
}
