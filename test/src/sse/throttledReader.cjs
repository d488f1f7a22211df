// An SSE reader in a process of its own that takes at most RATE bytes/s, as a client on a real link
// does: `node throttledReader.cjs URL KEY LAST_EVENT_ID TARGET_SEQ RATE`. It prints what it read
// ({ ended, ms, bytes, seqs, others }) once it has seq TARGET_SEQ, when the stream closes, or after 60 s.
const http = require('node:http');
const { Buffer } = require('node:buffer');
const { setTimeout } = require('node:timers');
const { createParser } = require('eventsource-parser');

const [url, key, after, target, rate] = process.argv.slice(2);
const seqs = [];
const others = [];
const t0 = Date.now();
let bytes = 0;
let done = false;
const finish = (ended) => {
  if (done) return;
  done = true;
  process.stdout.write(`${JSON.stringify({ ended, ms: Date.now() - t0, bytes, seqs, others })}\n`);
  req.destroy();
};
// The parser of the `eventsource` package (a plain node process cannot load the TypeScript sseReader).
const parser = createParser({
  onEvent: ({ event, data }) => {
    if (event === 'event') seqs.push(JSON.parse(data).seq);
    else others.push([event, JSON.parse(data).code]);
  },
});
const req = http.get(url, { headers: { 'x-api-key': key, 'Last-Event-ID': after } }, (res) => {
  res.setEncoding('utf8');
  res.on('data', (chunk) => {
    bytes += Buffer.byteLength(chunk);
    parser.feed(chunk);
    if (seqs.at(-1) >= Number(target)) return finish(false);
    // Bytes read beyond what the link would have carried by now: wait until it would have.
    const ahead = bytes - (Number(rate) * (Date.now() - t0)) / 1000;
    if (ahead > 0) {
      res.pause();
      setTimeout(() => res.resume(), (ahead / Number(rate)) * 1000);
    }
  });
  res.on('close', () => finish(true));
});
req.on('error', () => finish(true));
setTimeout(() => finish('timeout'), 60_000).unref();
