import { useEffect, useState } from 'preact/hooks';
import { HubClient, TOKEN_KEY, type HubState } from './hubClient';
import { Admin, EventLog, Power, Rate, Services, Sources } from './Panels';
import { Triggers } from './Triggers';

function SignIn({ onToken, error }: { onToken: (t: string) => void; error?: string }) {
  const [token, setToken] = useState('');
  return (
    <main class="signin">
      <h1>Haven</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) onToken(token.trim());
        }}
      >
        <label for="token">Client or admin token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Sign in</button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <p class="meta">
          Tokens come from <code>haven tokens</code>. This device keeps it until you sign out.
        </p>
      </form>
    </main>
  );
}

function Dashboard({ token, signOut, refused }: { token: string; signOut: () => void; refused: (why: string) => void }) {
  const [state, setState] = useState<HubState | undefined>();
  useEffect(() => {
    let frame = 0;
    let latest: HubState | undefined;
    // Many messages in one turn, one render per frame.
    const client = new HubClient(
      token,
      (s) => {
        latest = s;
        frame ||= requestAnimationFrame(() => {
          frame = 0;
          setState(latest);
        });
      },
      refused,
    );
    return () => {
      cancelAnimationFrame(frame);
      client.close();
    };
  }, [token]);

  if (!state) return <p class="muted">Connecting…</p>;
  const now = Date.now() + state.offsetMs;
  const admin = state.me?.role === 'admin';
  return (
    <>
      <header>
        <h1>Haven</h1>
        <span class={`pill ${state.status === 'live' ? 'good' : 'bad'}`} data-testid="connection">
          {state.status}
        </span>
        <span class="who">
          {state.me ? `${state.me.name} (${state.me.role})` : ''}
          {state.me && !admin ? ` · ${state.me.areas.map((a) => a.name).join(', ') || 'no areas'}` : ''}
        </span>
        <button class="small" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main class="grid">
        <Triggers triggers={[...state.triggers.values()]} now={now} />
        <EventLog log={state.log} />
        {admin && <Services services={state.services} token={token} />}
        <Sources sources={state.sources} />
        <Rate rate={state.rate} now={now} />
        <Power power={state.power} amps={state.amps} />
        {admin && <Admin token={token} />}
      </main>
    </>
  );
}

/** Signed out: the token form; signed in: the live dashboard. The token stays in this browser's localStorage. */
export function App() {
  const [token, setToken] = useState<string | null>(() => localStorage.getItem(TOKEN_KEY));
  const [error, setError] = useState<string | undefined>();
  const signIn = (t: string) => {
    localStorage.setItem(TOKEN_KEY, t);
    setError(undefined);
    setToken(t);
  };
  const signOut = (why?: string) => {
    localStorage.removeItem(TOKEN_KEY);
    setError(why);
    setToken(null);
  };
  return token ? <Dashboard token={token} signOut={() => signOut()} refused={signOut} /> : <SignIn onToken={signIn} error={error} />;
}
