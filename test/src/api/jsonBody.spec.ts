import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { bodyParserOptions, bodyRefusal, JSON_LIMIT_BYTES, parseJsonBody } from '../../../src/api/jsonBody';

/** The parsed body, as the fast path takes it out of co-body's answer. */
const readJsonBody = (req: IncomingMessage): Promise<unknown> => parseJsonBody(req).then(({ parsed }) => parsed);

/** A request stand-in: the headers co-body reads and a body that ends at once. */
function request(body: string | Buffer, headers: Record<string, string> = {}): IncomingMessage {
  const req = Object.assign(new PassThrough(), { headers: { 'content-type': 'application/json', ...headers } });
  req.end(body);
  return req as unknown as IncomingMessage;
}

async function refusal(req: IncomingMessage): Promise<unknown> {
  return readJsonBody(req).then(
    (parsed) => expect.fail(`parsed ${JSON.stringify(parsed)}`),
    (err: unknown) => err,
  );
}

describe('jsonBody', () => {
  describe('parseJsonBody (koa-bodyparser’s co-body call)', () => {
    it('parses an object or an array, drops a byte order mark, and reads an empty body as {}', async () => {
      expect(await readJsonBody(request('{"name":"Stage.Mode"}'))).to.deep.equal({ name: 'Stage.Mode' });
      expect(await readJsonBody(request(' [1,2]'))).to.deep.equal([1, 2]);
      expect(await readJsonBody(request('\ufeff{"a":1}'))).to.deep.equal({ a: 1 });
      expect(await readJsonBody(request(''))).to.deep.equal({});
    });

    it('refuses with 400 what is not strict JSON or holds a __proto__ key', async () => {
      for (const body of ['"Stage.Mode"', '42', '{"name":', '{"a":{"__proto__":{"x":1}}}']) {
        expect(bodyRefusal(await refusal(request(body))), body).to.deep.equal({ status: 400, message: 'Invalid JSON body' });
      }
    });

    it('refuses with 413 a body over the limit, declared or not', async () => {
      const big = `{"pad":"${'x'.repeat(JSON_LIMIT_BYTES)}"}`;
      const tooLarge = { status: 413, message: `Request body too large (limit ${JSON_LIMIT_BYTES} bytes)` };
      expect(bodyRefusal(await refusal(request(big, { 'content-length': String(big.length) })))).to.deep.equal(tooLarge);
      expect(bodyRefusal(await refusal(request(big)))).to.deep.equal(tooLarge);
      const fits = `{"pad":"${'x'.repeat(JSON_LIMIT_BYTES - 10)}"}`;
      expect(fits.length).to.equal(JSON_LIMIT_BYTES);
      expect(await readJsonBody(request(fits))).to.have.property('pad');
    });
  });

  describe('bodyRefusal', () => {
    it('answers an unknown content encoding (415 from inflation) with 415 and the encodings it can undo', async () => {
      const err = await refusal(request('{}', { 'content-encoding': 'compress' }));
      expect(err).to.have.property('status', 415);
      expect(bodyRefusal(err)).to.deep.equal({
        status: 415,
        message: 'Unsupported Content-Encoding (send the JSON uncompressed, or as gzip, deflate or br)',
      });
      expect(bodyRefusal(undefined)).to.deep.equal({ status: 400, message: 'Invalid JSON body' });
    });
  });

  describe('bodyParserOptions', () => {
    it('gives every Koa app its own options object, since koa-bodyparser writes into it', () => {
      const [a, b] = [bodyParserOptions(), bodyParserOptions()];
      expect(a).to.not.equal(b);
      expect(a).to.deep.include({ enableTypes: ['json'], jsonLimit: JSON_LIMIT_BYTES, strict: true });
      expect(a.onerror).to.be.a('function');
    });
  });
});
