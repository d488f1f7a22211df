import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DEBIAN_PYTHON, requirePeers } from '../../helpers/peers';
import { startWsHub, waitUntil, type WsHub } from './wsHarness';

describe('WebSocket with a foreign client (python3-websockets)', () => {
  requirePeers('python3-websockets');
  let h: WsHub;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill();
    await h.stop();
  });

  it('connects with a token, gets connected, a ping result, an area_updated and a trigger event', async () => {
    h = await startWsHub();
    const area = (await h.api('POST', '/api/areas', { name: 'Stage', entityIds: ['Stage.Mode'] })).body.area.areaId;
    const { client, token } = (await h.api('POST', '/api/clients', { name: 'python', areas: [area] })).body;

    const lines: any[] = [];
    let stderr = '';
    const proc = (child = spawn(DEBIAN_PYTHON, [join(__dirname, 'pythonClient.py'), h.wsUrl, token], { stdio: ['ignore', 'pipe', 'pipe'] }));
    proc.stderr!.on('data', (d) => (stderr += d));
    let buffered = '';
    proc.stdout!.on('data', (d) => {
      buffered += d;
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const p of parts) if (p.trim()) lines.push(JSON.parse(p));
      proc.emit('line');
    });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const watch = (wake: () => void) => (proc.on('line', wake), () => proc.off('line', wake));

    await waitUntil(watch, () => lines.find((m) => m.type === 'result'), 'the python client to be connected', 10_000);
    await h.api('PUT', `/api/areas/${area}`, { name: 'Main stage', entityIds: ['Stage.Mode'] });
    await h.fire('Stage.Mode', 'intro');
    expect(await exited).to.equal(0, stderr);

    expect(lines.map((m) => m.type)).to.deep.equal(['connected', 'result', 'area_updated', 'trigger']);
    expect(lines[0].data).to.include({ clientId: client.id, name: 'python', role: 'client' });
    expect(lines[1]).to.deep.include({ id: 1, success: true });
    expect(lines[2].data).to.include({ areaId: area, name: 'Main stage' });
    expect(lines[3]).to.deep.include({ type: 'trigger', seq: 1 });
    expect(lines[3].data).to.include({ name: 'Stage.Mode', value: 'intro' });
  });
});
