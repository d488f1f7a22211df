// An SSE reader in a process of its own that takes at most RATE bytes/s, as a client on a real link
// does: `node throttledReader.cjs URL KEY LAST_EVENT_ID TARGET_SEQ RATE`. It prints what it read
// ({ ended, ms, bytes, seqs, others }) once it has seq TARGET_SEQ, when the stream closes, or after 60 s.
const http = require('node:http');
const { Buffer } = require('node:buffer');
const { setTimeout } = require('node:timers');

const [url, key, after, target, rate] = process.argv.slice(2);
const seqs = [];
const others = [];
const t0 = Date.now();
let buffer = '';
let bytes = 0;
let done = false;
const finish = (ended) => {
  if (done) return;
  done = true;
  process.stdout.write(`${JSON.stringify({ ended, ms: Date.now() - t0, bytes, seqs, others })}\n`);
  req.destroy();
};
const req = http.get(url, { headers: { 'x-api-key': key, 'Last-Event-ID': after } }, (res) => {
  res.setEncoding('utf8');
  res.on('data', (chunk) => {
    bytes += Buffer.byteLength(chunk);
    buffer += chunk;
    const blocks = buffer.split('\n\n');
    buffer = blocks.pop();
    for (const block of blocks) {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data === undefined) continue;
      if (event === 'event') seqs.push(JSON.parse(data).seq);
      else others.push([event, JSON.parse(data).code]);
    }
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
