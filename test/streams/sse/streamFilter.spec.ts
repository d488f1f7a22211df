import { expect } from 'chai';
import { serviceEnvelope } from '../../../streams/sse/serviceEnvelope';
import { acceptsEnvelope, parseStreamFilter, type StreamFilter } from '../../../streams/sse/streamFilter';
import { env } from './sseFixtures';

const KNOWN = new Set(['buttons', 'dials', 'system', 'power']);

function parsed(query: Parameters<typeof parseStreamFilter>[0]): StreamFilter {
  const result = parseStreamFilter(query, KNOWN);
  if (!result.ok) throw new Error(result.error);
  return result.filter;
}

describe('streamFilter', () => {
  it('lets everything through without parameters', () => {
    expect(parsed({})).to.deep.equal({ eventCategories: null, eventTypes: null });
    expect(parsed({ eventCategories: ' , ' })).to.deep.equal({ eventCategories: null, eventTypes: null });
  });

  it('reads comma-separated and repeated parameters, types in any case', () => {
    const f = parsed({ eventCategories: ['buttons, dials', 'system'], eventTypes: 'state_changed,FIRED' });
    expect([...f.eventCategories!]).to.deep.equal(['buttons', 'dials', 'system']);
    expect([...f.eventTypes!]).to.deep.equal(['STATE_CHANGED', 'FIRED']);
  });

  it('rejects an unknown category, naming it and the known ones', () => {
    expect(parseStreamFilter({ eventCategories: 'buttons,alarm' }, KNOWN)).to.deep.equal({
      ok: false,
      error: 'Unknown event category: alarm (known: buttons, dials, power, system)',
    });
  });

  it('rejects an unknown type', () => {
    const result = parseStreamFilter({ eventTypes: 'MOTION_DETECTED' }, KNOWN);
    expect(result.ok).to.equal(false);
    expect((result as { error: string }).error).to.match(/^Unknown event type: MOTION_DETECTED \(known: STATE_CHANGED, /);
  });

  it('keeps other organizations out and lets hub-wide events in', () => {
    const accepts = acceptsEnvelope('acme', parsed({}));
    expect(accepts(env(1))).to.equal(true);
    expect(accepts(env(2, { organization: 'globex' }))).to.equal(false);
    expect(
      accepts(
        serviceEnvelope({ service: 's', protocol: 'TCP_SOCKET', status: 'connected', previous: 'connecting', timestamp: 't' }, { eventUuid: 'u', now: 't' }),
      ),
    ).to.equal(true);
  });

  it('narrows by category and by type together', () => {
    const accepts = acceptsEnvelope('acme', parsed({ eventCategories: 'buttons', eventTypes: 'STATE_CHANGED' }));
    expect(accepts(env(1))).to.equal(true);
    expect(accepts(env(2, { category: 'dials' }))).to.equal(false);
    expect(accepts(env(3, { kind: 'status' }))).to.equal(false);
  });
});
