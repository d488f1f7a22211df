import { expect } from 'chai';
import { createConfiguredLogger, createLogger, createLoggerWith, urlForLog } from '../../src/log';

describe('the log', () => {
  let lines: string[];
  const write = (line: string) => lines.push(line);
  const records = () => lines.map((line) => JSON.parse(line));
  beforeEach(() => (lines = []));

  it('writes one JSON line per record at its level and above, with time, level, component, message and fields', () => {
    const log = createLogger('Haven', 'info', write);
    log.debug('not written');
    log.info('event log opened at seq 3', { records_read: 3 });
    log.warn('careful');
    expect(lines).to.have.length(2);
    const [opened, careful] = records();
    expect(opened).to.include({ level: 'info', component: 'Haven', msg: 'event log opened at seq 3', records_read: 3 });
    expect(new Date(opened.time).toISOString()).to.equal(opened.time);
    expect(careful).to.include({ level: 'warn', msg: 'careful' });
  });

  it('takes a level it does not know as HAVEN_LOG_LEVEL, else info, rather than failing', () => {
    const saved = process.env.HAVEN_LOG_LEVEL;
    try {
      delete process.env.HAVEN_LOG_LEVEL;
      const log = createLogger('Haven', 'loud' as never, write);
      log.debug('no');
      log.info('yes');
      process.env.HAVEN_LOG_LEVEL = 'warn';
      createLogger('Haven', 'loud' as never, write).info('no either');
    } finally {
      if (saved === undefined) delete process.env.HAVEN_LOG_LEVEL;
      else process.env.HAVEN_LOG_LEVEL = saved;
    }
    expect(records().map((r) => r.msg)).to.deep.equal(['yes']);
  });

  it('writes nothing when silent', () => {
    const log = createLogger('Haven', 'silent', write);
    log.error('nobody hears this');
    expect(lines).to.deep.equal([]);
  });

  it('takes the level from HAVEN_LOG_LEVEL over log.level, and log.level when the variable is unset or not a level', () => {
    createConfiguredLogger({ level: 'warn' }, { env: { HAVEN_LOG_LEVEL: 'debug' }, write }).debug('env wins');
    createConfiguredLogger({ level: 'warn' }, { env: {}, write }).info('config says warn');
    createConfiguredLogger({ level: 'warn' }, { env: { HAVEN_LOG_LEVEL: 'loud' }, write }).info('not a level: config');
    createConfiguredLogger({ level: 'warn' }, { env: { HAVEN_LOG_LEVEL: 'DEBUG' }, write }).debug('any case');
    expect(records().map((r) => r.msg)).to.deep.equal(['env wins', 'any case']);
  });

  it('names the component in a field; a child replaces its parent’s rather than adding a second one', () => {
    const services = createLogger('Haven', 'info', write).child('Services');
    services.child('Service FlameServer').info('connected');
    services.info('all services closed');
    expect(lines[0]).to.equal(lines[0].replace(/"component".*"component"/, ''));
    expect(records().map((r) => [r.component, r.msg])).to.deep.equal([
      ['Service FlameServer', 'connected'],
      ['Services', 'all services closed'],
    ]);
  });

  it('keeps statusCode and every other field that is not a secret path', () => {
    createLogger('API', 'info', write).info('answered', { statusCode: 404, errorCode: 'unknown_trigger', keyId: '3f9c0d2a7b41e8c5' });
    expect(records()[0]).to.include({ statusCode: 404, errorCode: 'unknown_trigger', keyId: '3f9c0d2a7b41e8c5' });
  });

  it('redacts the secret paths: a token, an API key, a password, the Redis URL’s password, a socket’s device password', () => {
    const log = createLogger('Haven', 'debug', write);
    log.info('admin token', { token: 'hvn_58QG2l8x_secret', apiKey: 'hvn_3f9c_secret', password: 'hunter2' });
    log.info('connecting', { url: 'redis://worker:s3cret@redis.lan:6379/0', origin: 'a' });
    log.debug('configuration', {
      config: {
        bus: { redis_url: 'redis://:s3cret@redis.lan:6379', channel_prefix: 'haven' },
        power: { sockets: [{ name: 'Lamp', password: 'plugpw' }, { name: 'Fan' }] },
      },
    });
    const text = lines.join('\n');
    for (const secret of ['hvn_58QG2l8x_secret', 'hvn_3f9c_secret', 'hunter2', 's3cret', 'plugpw']) expect(text).not.to.contain(secret);
    const [tokens, connecting, dump] = records();
    expect(tokens).to.include({ token: '[redacted]', apiKey: '[redacted]', password: '[redacted]' });
    expect(connecting).to.include({ url: 'redis://worker:***@redis.lan:6379/0', origin: 'a' });
    expect(dump.config.bus).to.deep.equal({ redis_url: 'redis://:***@redis.lan:6379', channel_prefix: 'haven' });
    expect(dump.config.power.sockets).to.deep.equal([{ name: 'Lamp', password: '[redacted]' }, { name: 'Fan' }]);
  });

  it('leaves the logged object as it was', () => {
    const fields = { token: 'hvn_x', nested: { a: 1 } };
    createLogger('Haven', 'info', write).info('x', fields);
    expect(fields).to.deep.equal({ token: 'hvn_x', nested: { a: 1 } });
  });

  it('writes human-readable lines when asked to (as on a terminal): time, level, [component], message, fields', () => {
    createLoggerWith({ component: 'Service FlameServer', level: 'info', pretty: true, write }).warn('mailbox full (1000)', { total: 100, token: 'hvn_x' });
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(
      /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] WARN: \[Service FlameServer\] mailbox full \(1000\) \{"total":100,"token":"\[redacted\]"\}$/,
    );
  });

  it('shows a URL without its password, and hides what is not a URL', () => {
    expect(urlForLog('redis://:pw@127.0.0.1:6379')).to.equal('redis://:***@127.0.0.1:6379');
    expect(urlForLog('redis://127.0.0.1:6379')).to.equal('redis://127.0.0.1:6379');
    expect(urlForLog('not a url with pw')).to.equal('[redacted]');
  });
});
