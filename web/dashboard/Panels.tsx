import { useEffect, useState } from 'preact/hooks';
import { Chart } from './Chart';
import { age } from './Triggers';
import type { LogEntry, ServiceRow, SocketRow, SourceRow } from './types';

const stateClass = (s: string) => (s === 'connected' || s === 'ok' || s === 'listening' ? 'good' : s === 'disabled' || s === 'stopped' ? 'muted' : 'bad');

/** Registered services (admins only: clients have no business with the wiring). */
export function Services({ services }: { services: readonly ServiceRow[] }) {
  return (
    <section class="card">
      <h2>Services</h2>
      {services.length === 0 && <p class="muted">No service registered.</p>}
      <table>
        <thead>
          <tr>
            <th>Service</th>
            <th>State</th>
            <th class="num">Delivered</th>
            <th class="num">Expired</th>
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
  id: string;
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
      const get = async (path: string) => {
        const res = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
        if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
        return res.json();
      };
      const [a, c] = await Promise.all([get('/api/areas'), get('/api/clients')]);
      setAreas(a.areas ?? []);
      setClients(c.clients ?? []);
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  useEffect(() => void load(), [token]);
  return (
    <section class="card admin" data-testid="admin">
      <h2>
        Admin{' '}
        <button class="small" onClick={() => void load()}>
          Refresh
        </button>
      </h2>
      {error && <p class="error">{error}</p>}
      <h3>Areas</h3>
      {areas.length === 0 && <p class="muted">No areas yet.</p>}
      <ul class="plain">
        {areas.map((a) => (
          <li key={a.id}>
            <b>{a.name}</b>{' '}
            <span class="meta">
              {a.isEnabled === false ? 'disabled · ' : ''}
              {a.entityIds?.length ?? 0} entities
            </span>
          </li>
        ))}
      </ul>
      <h3>Clients</h3>
      <ul class="plain">
        {clients.map((c) => (
          <li key={c.id}>
            <b>{c.name}</b>{' '}
            <span class="meta">
              {c.role}
              {c.areas?.length ? ` · areas ${c.areas.join(', ')}` : ''}
              {c.connections !== undefined ? ` · ${c.connections} connected` : ''}
            </span>
          </li>
        ))}
      </ul>
      <p class="meta">
        Tokens are issued with <code>haven tokens</code>.
      </p>
    </section>
  );
}
