import { expect } from 'chai';
import { formatSse } from '../../../streams/sse/formatSse';
import { eventMessage, type SseMessage } from '../../../streams/sse/sseMessage';
import { env } from '../../streams/sse/sseFixtures';
import { formattedOnce } from '../../../src/sse/formattedOnce';

describe('formattedOnce', () => {
  const counting = () => {
    const calls: SseMessage[] = [];
    return { calls, format: (m: SseMessage) => (calls.push(m), formatSse(m)) };
  };

  it('writes the text a replay in parts measured, without formatting the message again', () => {
    const { calls, format } = counting();
    const texts = formattedOnce(format);
    const m = eventMessage(env(7));
    const size = texts.sizeOf(m);
    expect(texts.text(m)).to.equal(formatSse(m));
    expect(calls).to.have.length(1);
    expect(size).to.equal(Buffer.byteLength(formatSse(m)));
  });

  it('formats a message nobody measured (live events) when it is written', () => {
    const { calls, format } = counting();
    const m = eventMessage(env(8));
    expect(formattedOnce(format).text(m)).to.equal(formatSse(m));
    expect(calls).to.have.length(1);
  });

  it('counts the bytes on the wire, not the characters', () => {
    const m = eventMessage(env(9, { value: 'Überraschung ✓' }));
    expect(formattedOnce().sizeOf(m))
      .to.equal(Buffer.byteLength(formatSse(m)))
      .and.to.be.greaterThan(formatSse(m).length);
  });

  it('does not keep the text once written: the same message written again is formatted again', () => {
    const { calls, format } = counting();
    const texts = formattedOnce(format);
    const m = eventMessage(env(10));
    texts.sizeOf(m);
    texts.text(m);
    texts.text(m);
    expect(calls).to.have.length(2);
  });
});
