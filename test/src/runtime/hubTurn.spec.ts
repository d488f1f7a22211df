import { expect } from 'chai';
import { createHubTurn, type HubTurn } from '../../../src/runtime/turnStages';
import { startLineServer, type LineServer } from '../../helpers/lineServer';
import { startWsHub, type WsHub } from '../websocket/wsHarness';

/** The hub's turn, with every stage's run written down (and, from the log's, where the next turn begins). */
function watchedTurn(ran: string[]): HubTurn {
  const turn = createHubTurn();
  const watch =
    (name: keyof HubTurn) =>
    (fn: () => void): void =>
      turn[name](() => {
        ran.push(name);
        if (name === 'log') setImmediate(() => ran.push('next turn'));
        fn();
      });
  return { log: watch('log'), dispatch: watch('dispatch'), answer: watch('answer'), clients: watch('clients') };
}

describe('the hub turn, wired (createRuntime)', () => {
  let h: WsHub;
  let service: LineServer;
  const ran: string[] = [];

  beforeEach(async () => {
    ran.length = 0;
    service = await startLineServer();
    h = await startWsHub({}, { turn: watchedTurn(ran) });
  });
  afterEach(async () => {
    await h.stop();
    await service.close();
  });

  it('writes an HTTP event to the log, then to its TCP service, then answers it, all in the turn the log wrote it', async () => {
    const reg = await h.api('POST', '/api/register', { name: 'FlameServer', host: '127.0.0.1', port: service.port, protocol: 'TCP_SOCKET' });
    expect(reg.body.registration).to.include({ socket_status: 'connected' });
    ran.length = 0;

    const answer = await h.api('POST', '/api/trigger-event', { name: 'RedTelephone.Button_1', value: 'On', id: 1 }, null);
    expect(answer.status).to.equal(200);
    expect(answer.body.dispatched_to).to.equal(1);
    await service.waitForLines(1);
    // The answer can be read before the check phase after it: let that phase run.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(ran.slice(0, 4)).to.deep.equal(['log', 'dispatch', 'answer', 'next turn']);
  });

  it("writes to WebSocket clients in the turn's clients stage", async () => {
    await h.login(h.adminToken);
    expect(ran).to.include('clients');
  });
});
