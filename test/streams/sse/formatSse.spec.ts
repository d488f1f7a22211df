import { expect } from 'chai';
import { formatSse } from '../../../streams/sse/formatSse';
import { eventMessage, systemMessage } from '../../../streams/sse/sseMessage';
import { env } from './sseFixtures';

describe('formatSse', () => {
  it('writes a local event with its seq as id and the JSON as one data line', () => {
    const e = env(5);
    expect(formatSse(eventMessage(e))).to.equal(`event: event\nid: 5\ndata: ${JSON.stringify(e)}\n\n`);
  });

  it('writes no id for an event relayed from another process', () => {
    expect(formatSse(eventMessage(env(5, {}, 'hub-b')))).not.to.match(/^id:/m);
  });

  it('writes retry: with a shutdown notice', () => {
    const text = formatSse(systemMessage({ code: 'shutdown', message: 'bye', timestamp: 't', reconnectAfterMs: 1500 }, 1500));
    expect(text).to.equal('event: system\nretry: 1500\ndata: {"type":"system","code":"shutdown","message":"bye","timestamp":"t","reconnectAfterMs":1500}\n\n');
  });

  it('keeps newlines inside values from breaking the framing', () => {
    const text = formatSse(systemMessage({ code: 'resync', message: 'line 1\nline 2', timestamp: 't' }));
    expect(text.split('\n\n')).to.have.length(2);
    expect(text).to.contain('line 1\\nline 2');
  });
});
