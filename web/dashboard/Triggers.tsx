import { useState } from 'preact/hooks';
import { show, TOKEN_KEY } from './hubClient';
import type { TriggerRow } from './types';

/**
 * Fires a WEB trigger: the same route, and so the same gate, as any HMI panel (`POST /api/web/trigger-event`),
 * with the signed-in token, so a client's token fires only the triggers of its areas.
 */
async function fire(name: string, value?: string | number): Promise<string | undefined> {
  const token = localStorage.getItem(TOKEN_KEY);
  try {
    const res = await fetch('/api/web/trigger-event', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(value === undefined ? { name } : { name, value }),
    });
    if (res.ok) return undefined;
    const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
    return body.message ?? body.error ?? `HTTP ${res.status}`;
  } catch (err) {
    return `Not sent: ${(err as Error).message}`;
  }
}

/** "3 s", "4 min", "2 h": how long ago, at a glance. */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

function Control({ t, onError }: { t: TriggerRow; onError: (m: string | undefined) => void }) {
  const send = (v?: string | number) => void fire(t.name, v).then(onError);
  const label = t.displayName ?? t.name;
  switch (t.type) {
    case 'On/Off': {
      const on = String(t.state?.value).toLowerCase() === 'on';
      return (
        <button
          class={`toggle ${on ? 'on' : ''}`}
          aria-pressed={on}
          aria-label={`Switch ${label} ${on ? 'off' : 'on'}`}
          onClick={() => send(on ? 'Off' : 'On')}
        >
          {on ? 'On' : 'Off'}
        </button>
      );
    }
    case 'Discrete':
      return (
        <div class="choices" role="group" aria-label={`${label} choices`}>
          {(t.values ?? []).map((v) => (
            <button key={String(v)} class={t.state?.value === v ? 'chosen' : ''} onClick={() => send(v)}>
              {String(v)}
            </button>
          ))}
        </div>
      );
    case 'Continuous':
      return <Slider t={t} send={send} />;
    case 'OneShot':
      return (
        <button class="fire" aria-label={`Fire ${label}`} onClick={() => send()}>
          Fire
        </button>
      );
  }
}

/** A slider sends once, when let go: dragging across the range must not flood the gate. */
function Slider({ t, send }: { t: TriggerRow; send: (v: number) => void }) {
  const [draft, setDraft] = useState<number | null>(null);
  const min = t.min ?? 0;
  const max = t.max ?? 100;
  const current = typeof t.state?.value === 'number' ? t.state.value : min;
  return (
    <span class="slider">
      <input
        type="range"
        min={min}
        max={max}
        step={(max - min) / 100}
        value={draft ?? current}
        aria-label={`${t.displayName ?? t.name} value`}
        onInput={(e) => setDraft(Number((e.target as HTMLInputElement).value))}
        onChange={(e) => {
          setDraft(null);
          send(Number((e.target as HTMLInputElement).value));
        }}
      />
      <output>{draft ?? current}</output>
    </span>
  );
}

/** Every trigger the signed-in token may see: type, value, id, age since its last change, and its WEB control. */
export function Triggers({ triggers, now }: { triggers: readonly TriggerRow[]; now: number }) {
  const [error, setError] = useState<string | undefined>();
  return (
    <section class="card triggers">
      <h2>Triggers</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {triggers.length === 0 && <p class="muted">No triggers in your areas.</p>}
      <ul>
        {triggers.map((t) => (
          <li key={t.name} data-trigger={t.name}>
            <div class="what">
              <span class="name">{t.displayName ?? t.name}</span>
              <span class="meta">
                {t.type} · {t.name}
              </span>
            </div>
            <div class="state">
              <span class="value" data-testid="value">
                {t.state ? show(t.state.value) : '—'}
              </span>
              <span class="meta">
                {t.state?.id != null ? `#${t.state.id} · ` : ''}
                {t.state ? age(now - Date.parse(t.state.timestamp)) : 'never'}
              </span>
            </div>
            <div class="control">
              <Control t={t} onError={setError} />
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
