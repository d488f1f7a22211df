import { useEffect, useState } from 'preact/hooks';
import { Chart } from './Chart';
import { age } from './Triggers';
import type { LogEntry, ServiceRow, SocketRow, SourceRow } from './types';

const stateClass = (s: string) => (s === 'connected' || s === 'ok' || s === 'listening' ? 'good' : s === 'disabled' || s === 'stopped' ? 'muted' : 'bad');

/** One admin REST call with the signed-in token; a refusal throws with the hub's own error text. */
async function adminCall(token: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${answer.error ?? `HTTP ${res.status}`}`);
  return answer;
}

/**
 * A button that asks once more before it acts: the first press turns it into "Really …?", the
 * second does it (a stray tap on a phone at the booth cannot unregister a service).
 */
function ConfirmButton({ label, confirm, act }: { label: string; confirm: string; act: () => Promise<void> }) {
  const [asking, setAsking] = useState(false);
  return (
    <button
      class={`small ${asking ? 'danger' : ''}`}
      onClick={() => {
        if (!asking) return setAsking(true);
        setAsking(false);
        void act();
      }}
      onBlur={() => setAsking(false)}
    >
      {asking ? confirm : label}
    </button>
  );
}

/** Registered services (admins only: clients have no business with the wiring), each with an Unregister action. */
export function Services({ services, token }: { services: readonly ServiceRow[]; token: string }) {
  const [error, setError] = useState<string | undefined>();
  const unregister = async (name: string) => {
    try {
      await adminCall(token, 'DELETE', `/api/register/${encodeURIComponent(name)}`);
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <section class="card">
      <h2>Services</h2>
      {error && <p class="error">{error}</p>}
      {services.length === 0 && <p class="muted">No service registered.</p>}
      <table>
        <thead>
          <tr>
            <th>Service</th>
            <th>State</th>
            <th class="num">Delivered</th>
            <th class="num">Expired</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {services.map((s) => (
            <tr key={s.name} data-service={s.name}>
              <td>
                {s.name}
                <div class="meta">
                  {s.protocol} · {s.host}:{s.port}
                </div>
              </td>
              <td>
                <span class={`pill ${stateClass(s.status)}`} data-testid="status">
                  {s.status}
                </span>
                {s.downForMs !== null && <div class="meta">down {age(s.downForMs)}</div>}
              </td>
              <td class="num" data-testid="delivered">
                {s.delivered}
              </td>
              <td class="num">{s.expired}</td>
              <td>
                <ConfirmButton label="Unregister" confirm="Really unregister?" act={() => unregister(s.name)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function Sources({ sources }: { sources: readonly SourceRow[] }) {
  return (
    <section class="card">
      <h2>Sources</h2>
      <ul class="plain">
        {sources.map((s) => (
          <li key={s.name} data-source={s.name}>
            <span class={`pill ${stateClass(s.state)}`}>{s.state}</span> <b>{s.name}</b>
            {s.detail && <div class="meta">{s.detail}</div>}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Power({ power, amps }: { power: readonly SocketRow[]; amps: ReadonlyMap<string, [number[], number[]]> }) {
  if (power.length === 0) return null;
  return (
    <section class="card">
      <h2>Power sockets</h2>
      {power.map((p) => {
        const samples = amps.get(p.socket) ?? [[], []];
        const last = samples[1][samples[1].length - 1];
        return (
          <div key={p.socket} class="socket" data-socket={p.socket} data-samples={samples[0].length}>
            <div>
              <b>{p.socket}</b> <span class={`pill ${p.power === 'on' ? 'good' : 'muted'}`}>{p.power ?? '?'}</span>{' '}
              <span class="meta">
                {p.driver} · {p.status}
                {p.fault ? ` · fault: ${p.fault}` : ''} · {last !== undefined ? `${last.toFixed(2)} A` : 'no samples yet'}
              </span>
            </div>
            <div class="meta">Running: {p.runningInstances?.length ? p.runningInstances.join(', ') : 'none'}</div>
            <Chart label={`${p.socket} current`} unit="A" data={samples} color="#ffb44f" />
          </div>
        );
      })}
    </section>
  );
}

/** Inputs per second over the last minutes, from the hub's own count (not just what this page can see). */
export function Rate({ rate, now }: { rate: { periodMs: number; counts: readonly number[] }; now: number }) {
  const n = rate.counts.length;
  const xs = rate.counts.map((_, i) => (now - (n - 1 - i) * rate.periodMs) / 1000);
  const ys = rate.counts.map((c) => (c * 1000) / rate.periodMs);
  return (
    <section class="card">
      <h2>
        Event rate <span class="meta">{n ? `${ys[n - 1].toFixed(0)} /s now` : ''}</span>
      </h2>
      <Chart label="events" unit="/s" data={[xs, ys]} />
    </section>
  );
}

export function EventLog({ log }: { log: readonly LogEntry[] }) {
  return (
    <section class="card log">
      <h2>Event log</h2>
      <ol aria-live="polite">
        {log.map((e) => (
          <li key={e.key} class={e.kind} data-log-kind={e.kind} data-log-reason={e.reason}>
            <time>{e.at.slice(11, 19)}</time>
            {e.kind === 'rejected' && <span class="pill bad">{e.reason}</span>} <span>{e.text}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

interface AreaItem {
  /** The seed's name for an area's id. */
  areaId: string;
  name: string;
  isEnabled?: boolean;
  entityIds?: string[];
}
interface ClientItem {
  id: string;
  name: string;
  role: string;
  areas?: string[];
  connections?: number;
}

/** Admins only: the areas and the clients (the hub's admin REST, with the admin's token). */
export function Admin({ token }: { token: string }) {
  const [areas, setAreas] = useState<AreaItem[]>([]);
  const [clients, setClients] = useState<ClientItem[]>([]);
  const [error, setError] = useState<string | undefined>();
  const load = async () => {
    try {
      const [a, c] = await Promise.all([adminCall(token, 'GET', '/api/areas'), adminCall(token, 'GET', '/api/clients')]);
      setAreas((a.areas as AreaItem[] | undefined) ?? []);
      setClients((c.clients as ClientItem[] | undefined) ?? []);
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  useEffect(() => void load(), [token]);
  /** An admin action, then the lists again (the hub is the truth, not what the page guessed). */
  const [notice, setNotice] = useState<string | undefined>();
  const act = async (method: string, path: string, body?: unknown, told?: (answer: Record<string, unknown>) => string) => {
    try {
      const answer = await adminCall(token, method, path, body);
      setNotice(told?.(answer));
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <section class="card admin" data-testid="admin">
      <h2>
        Admin{' '}
        <button class="small" onClick={() => void load()}>
          Refresh
        </button>
      </h2>
      {error && <p class="error">{error}</p>}
      {notice && (
        <p class="meta" data-testid="notice">
          {notice}
        </p>
      )}
      <h3>Areas</h3>
      {areas.length === 0 && <p class="muted">No areas yet.</p>}
      <ul class="plain">
        {areas.map((a) => (
          <li key={a.areaId} data-area={a.name}>
            <b>{a.name}</b>{' '}
            <span class="meta">
              {a.isEnabled === false ? 'disabled · ' : ''}
              {a.entityIds?.length ?? 0} entities
            </span>{' '}
            <button class="small" onClick={() => void act('PATCH', `/api/areas/${encodeURIComponent(a.areaId)}/toggle`, { isEnabled: a.isEnabled === false })}>
              {a.isEnabled === false ? 'Enable' : 'Disable'}
            </button>
          </li>
        ))}
      </ul>
      <h3>Clients</h3>
      <ul class="plain">
        {clients.map((c) => (
          <li key={c.id} data-client={c.name}>
            <b>{c.name}</b>{' '}
            <span class="meta">
              {c.role}
              {c.areas?.length ? ` · areas ${c.areas.map((id) => areas.find((a) => a.areaId === id)?.name ?? id).join(', ')}` : ''}
              {c.connections !== undefined ? ` · ${c.connections} connected` : ''}
            </span>{' '}
            {c.role !== 'admin' && (
              <ConfirmButton
                label="Revoke"
                confirm="Really revoke?"
                act={() =>
                  act(
                    'POST',
                    `/api/clients/${encodeURIComponent(c.id)}/revoke`,
                    undefined,
                    (r) => `${c.name}: ${r.tokensRevoked} token(s) revoked, ${r.connectionsClosed} connection(s) closed`,
                  )
                }
              />
            )}
          </li>
        ))}
      </ul>
      <p class="meta">
        Tokens are issued with <code>haven tokens</code>.
      </p>
    </section>
  );
}
