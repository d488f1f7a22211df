import { expect } from 'chai';
import fc from 'fast-check';
import { routeAccess } from '../../../src/security/routeAccess';

const MANAGEMENT_PATHS = [
  '/api/register',
  '/api/register/FlameServer',
  '/api/registrations',
  '/api/instance',
  '/api/instance/run-1',
  '/api/emergency-stop/run-1',
  '/api/download',
  '/api/areas',
  '/api/areas/area_1/toggle',
  '/api/clients/client_1/token',
  '/api/pairing',
  '/api/status',
  '/api/websocket/stats',
];

/** One way a client may spell a path the router still matches: any case, a %-encoded letter, doubled or trailing slashes. */
const spelling = (path: string) =>
  fc
    .tuple(
      fc.array(fc.boolean(), { minLength: path.length, maxLength: path.length }),
      fc.array(fc.boolean(), { minLength: path.length, maxLength: path.length }),
      fc.boolean(),
      fc.nat({ max: path.length - 1 }),
    )
    .map(([upper, encode, trailing, doubled]) => {
      let out = '';
      for (let i = 0; i < path.length; i++) {
        const c = upper[i] ? path[i].toUpperCase() : path[i];
        out += encode[i] && /[a-z]/i.test(c) ? `%${c.charCodeAt(0).toString(16)}` : c;
        if (i === doubled && c === '/') out += '/';
      }
      return trailing ? `${out}/` : out;
    });

describe('routeAccess', () => {
  it('classifies every spelling of a management path as management, whatever the method', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MANAGEMENT_PATHS).chain(spelling),
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'get'),
        (path, method) => {
          expect(routeAccess(method, path).kind, path).to.equal('management');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves ingestion, streams and the open routes as they are', () => {
    expect(routeAccess('POST', '/api/trigger-event')).to.deep.equal({ kind: 'ingestion', source: 'HTTP' });
    expect(routeAccess('POST', '/API/Trigger-Status/')).to.deep.equal({ kind: 'ingestion', source: 'HTTP' });
    expect(routeAccess('POST', '/api/web/trigger-event')).to.deep.equal({ kind: 'ingestion', source: 'WEB' });
    expect(routeAccess('GET', '/api/trigger-status')).to.deep.equal({ kind: 'open' });
    expect(routeAccess('GET', '/api/events/stream')).to.deep.equal({ kind: 'stream' });
    expect(routeAccess('POST', '/api/pairing/complete')).to.deep.equal({ kind: 'open' });
    for (const path of ['/healthz', '/readyz', '/metrics', '/', '/api/wait']) expect(routeAccess('GET', path).kind, path).to.equal('open');
  });
});
