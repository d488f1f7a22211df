import { InvalidArgumentError, type Command } from 'commander';
import { createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { callHub, hubError, hubOptions, hubTarget, type HubTarget } from './hubClient';
import type { CommandContext } from './subcommand';

const PROTOCOLS = ['TCP_SOCKET', 'TCP_CONNECT'] as const;
const FIELDS = ['seq', 'type', 'category', 'source'] as const;

interface ListenOpts {
  port: number;
  host: string;
  name: string;
  protocol: (typeof PROTOCOLS)[number];
  fields?: string[];
  json?: boolean;
  url?: string;
}

const port = (text: string): number => {
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new InvalidArgumentError('needs a port number, 0 to 65535 (0: any free port)');
  return Number(text);
};
const protocol = (text: string): string => {
  const upper = text.toUpperCase();
  if (!(PROTOCOLS as readonly string[]).includes(upper)) throw new InvalidArgumentError(`needs ${PROTOCOLS.join(' or ')}`);
  return upper;
};
const fields = (text: string): string[] => {
  const list = text.split(',').map((f) => f.trim());
  const bad = list.filter((f) => !(FIELDS as readonly string[]).includes(f));
  if (bad.length) throw new InvalidArgumentError(`${bad.join(', ')} not known (known: ${FIELDS.join(', ')})`);
  return list;
};

/**
 * `haven listen`: a ready service, like the seed's example listener. It listens first (the hub
 * connects at registration), registers itself, prints every line the hub delivers, and on Ctrl-C
 * unregisters and exits 0.
 */
export function addListenCommand(program: Command, ctx: CommandContext): void {
  hubOptions(
    program
      .command('listen')
      .description('run a service that registers itself with the hub and prints every event delivered to it, until Ctrl-C')
      .requiredOption('--port <port>', 'TCP port to listen on (0: any free port; the one bound is registered)', port)
      .option('--host <host>', 'address to listen on, and the one the hub is told to connect to', '127.0.0.1')
      .option('--name <name>', 'service name to register', 'haven-listen')
      .option('--protocol <protocol>', 'TCP_SOCKET (one lasting connection) or TCP_CONNECT (a connection per event)', protocol, 'TCP_SOCKET')
      .option('--fields <list>', `extra fields the hub adds to each line: ${FIELDS.join(',')}`, fields)
      .option('--json', 'print each line as the hub sent it')
      .addHelpText('after', '\nEvents go to stdout, one a line; what the listener does goes to stderr.'),
    // Registering is management: once the hub has an admin credential it needs one (README, Security).
    { token: true },
  ).action(async (opts: ListenOpts) => ctx.exit(await listen(opts, hubTarget(opts, ctx), ctx)));
}

async function listen(opts: ListenOpts, target: HubTarget, ctx: CommandContext): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    createInterface({ input: socket, crlfDelay: Infinity }).on('line', (line) => line && ctx.out(opts.json ? line : formatLine(line)));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'is in use: choose another --port (0 takes any free one)' : `cannot be opened (${code ?? (err as Error).message})`;
    ctx.err(`haven listen: ${opts.host}:${opts.port} ${why}`);
    return 1;
  }
  const bound = (server.address() as { port: number }).port;
  ctx.err(`listening on ${opts.host}:${bound}`);
  const registration = { name: opts.name, host: opts.host, port: bound, protocol: opts.protocol, ...(opts.fields ? { fields: opts.fields } : {}) };
  try {
    const answer = await callHub(target, 'POST', '/api/register', registration);
    if (answer.status !== 200) {
      ctx.err(`haven listen: the hub refused the registration: ${hubError(answer)}`);
      await close(server, sockets);
      return 1;
    }
  } catch (err) {
    await close(server, sockets);
    throw err;
  }
  ctx.err(`registered as ${opts.name} (${opts.protocol}) with ${target.url}; Ctrl-C unregisters and stops`);
  await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener('abort', () => resolve(), { once: true })));
  let code = 0;
  try {
    const answer = await callHub(target, 'DELETE', `/api/register/${encodeURIComponent(opts.name)}`);
    if (answer.status === 200) ctx.err(`unregistered ${opts.name}`);
    else if (answer.status !== 404) {
      ctx.err(`haven listen: unregistering ${opts.name} failed: ${hubError(answer)}`);
      code = 1;
    }
  } catch (err) {
    // The hub went first: there is nothing left to unregister from.
    ctx.err(`haven listen: ${(err as Error).message}`);
  }
  await close(server, sockets);
  return code;
}

/** `Name  value  id=…  timestamp` (and the extra fields), as the seed's listener prints an event. */
export function formatLine(line: string): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { name, value, id, timestamp, ...extra } = event;
  const rest = Object.entries(extra).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [String(name), value === undefined || value === null ? '-' : String(value), `id=${id ?? '-'}`, String(timestamp ?? '-'), ...rest].join('  ');
}

function close(server: Server, sockets: Set<Socket>): Promise<void> {
  sockets.forEach((s) => s.destroy());
  return new Promise((resolve) => server.close(() => resolve()));
}
