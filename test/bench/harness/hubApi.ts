import { ADMIN_TOKEN, CLOCK_TRIGGER } from './hubConfig';

/** One JSON call to the hub's REST API; throws on a status it did not expect. */
async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * Registers a TCP_SOCKET service listening on 127.0.0.1:`port` (optionally asking for extra line
 * fields), as the bench's admin: the hub has one, so management needs its token even from loopback.
 */
export async function registerService(base: string, name: string, port: number, fields?: string[]): Promise<void> {
  await call(
    base,
    'POST',
    '/api/register',
    { name, port, host: '127.0.0.1', protocol: 'TCP_SOCKET', ...(fields ? { fields } : {}) },
    {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    },
  );
}

/**
 * A WebSocket client token as an installation would issue one: a `client` (not an admin) whose one
 * area holds every trigger of `triggers`, created through the admin REST.
 */
export async function createClientToken(base: string, triggers: readonly string[] = [CLOCK_TRIGGER, 'Stage.Mode']): Promise<string> {
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const { area } = await call(base, 'POST', '/api/areas', { name: 'Bench area', entityIds: triggers }, admin);
  const { token } = await call(base, 'POST', '/api/clients', { name: 'Bench panel', role: 'client', areas: [area.areaId ?? area.id] }, admin);
  return token;
}
