import { expect } from 'chai';
import { createPublishAnswers, type PublishDone } from '../../../src/mqtt/publishAnswers';
import { InputNotTaken } from '../../../src/mqtt/mqttLink';

/** Every callback and timer queued so far has run. */
const settled = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

describe('mqtt/publishAnswers (the embedded broker answering publishes)', () => {
  const notStored = () => Promise.reject(new InputNotTaken('not_stored', 'The event log could not store the event'));

  function harness() {
    const drops: string[] = [];
    const answers = createPublishAnswers<{ id: string }>((client, err, publishes) => drops.push(`${client.id}: ${publishes} (${err.message})`));
    const client = { id: 'device' };
    const calls: string[] = [];
    const done =
      (name: string): PublishDone =>
      (err) =>
        calls.push(`${name}: ${err ? err.message : 'answered'}`);
    return { answers, client, calls, drops, done };
  }

  it('acknowledges what was taken, in order, and drops the connection for a QoS 1 publish not taken, after the others', async () => {
    const { answers, client, calls, drops, done } = harness();
    answers.answer(client, Promise.resolve(), 1, done('first'));
    answers.answer(client, notStored(), 1, done('second'));
    answers.answer(client, Promise.resolve(), 1, done('third'));
    await settled();
    expect(calls).to.deep.equal(['first: answered', 'third: answered', 'second: The event log could not store the event']);
    expect(drops).to.deep.equal(['device: 1 (The event log could not store the event)']);
  });

  it('once told the hub is stopping, leaves a publish not taken unacknowledged and keeps its connection (no resend into the same refusal)', async () => {
    const { answers, client, calls, drops, done } = harness();
    answers.hold();
    answers.answer(client, Promise.resolve(), 1, done('taken'));
    answers.answer(client, notStored(), 1, done('refused'));
    await settled();
    expect(calls).to.deep.equal(['taken: answered']);
    expect(drops).to.deep.equal([]);
    expect(answers.owed()).to.deep.equal([]);
  });

  it('never drops a QoS 0 publisher: it has no acknowledgement to keep back', async () => {
    const { answers, client, calls, drops, done } = harness();
    answers.answer(client, notStored(), 0, done('qos0'));
    await settled();
    expect(calls).to.deep.equal(['qos0: answered']);
    expect(drops).to.deep.equal([]);
  });
});
