import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadHavenConfig, loadTriggerConfig, validateHavenConfig } from '../../../src/config/loadConfig';

describe('config loading', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'haven-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, body: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
    return file;
  };

  it('fills every default when there is no config file (the embedded defaults)', () => {
    const config = loadHavenConfig({ env: {} });
    expect(config.comm.http).to.deep.equal({ host: '127.0.0.1', port: 5001 });
    expect(config.services.max_age_ms).to.equal(2000);
    expect(config.trigger.gating).to.include({ min_interval_ms: 0, min_interval_scope: 'trigger', cooldown_ms: 0 });
    expect(config.trigger.sources.HTTP).to.deep.equal({ enabled: true, priority: 1 });
    expect(config.trigger.config_file).to.match(/config\/trigger_config\.json$/);
  });

  it('names the file and the field of a bad setting', () => {
    const file = write('haven.json', { trigger: { gating: { cooldown_ms: 'soon' } } });
    expect(() => loadHavenConfig({ configFile: file, env: {} })).to.throw(ConfigError, `${file}: /trigger/gating/cooldown_ms must be integer`);
  });

  it('rejects an unknown section, an unknown field and a bad enum with what is allowed', () => {
    expect(() => validateHavenConfig({ comms: {} }, 'x.json')).to.throw(ConfigError, /x\.json: \/comms is not a known section/);
    expect(() => validateHavenConfig({ services: { max_age: 1 } }, 'x.json')).to.throw(
      ConfigError,
      /\/services must NOT have additional properties \('max_age'\)/,
    );
    expect(() => validateHavenConfig({ trigger: { gating: { min_interval_scope: 'device' } } }, 'x.json')).to.throw(ConfigError, /trigger, global/);
  });

  it('rejects an invalid whitelist entry at start, naming it', () => {
    expect(() => validateHavenConfig({ trigger: { gating: { whitelist: { TCP: ['10.0.0.0/33'] } } } }, 'x.json')).to.throw(
      ConfigError,
      /x\.json: \/trigger\/gating\/whitelist has invalid entries: TCP: 10\.0\.0\.0\/33/,
    );
  });

  it('keeps the documented defaults of an object given with only some of its settings', () => {
    const config = validateHavenConfig({
      trigger: { sources: { OSC: { priority: 5 }, MODBUS: { enabled: false } } },
      comm: { http: { host: '0.0.0.0' } },
      mqtt: { broker: { listen: { host: '0.0.0.0' } } },
    });
    // OSC stays off (its default) though only its priority is given; MODBUS keeps priority 2.
    expect(config.trigger.sources.OSC).to.deep.equal({ enabled: false, priority: 5 });
    expect(config.trigger.sources.MODBUS).to.deep.equal({ enabled: false, priority: 2 });
    expect(config.trigger.sources.WEB).to.deep.equal({ enabled: true, priority: 3 });
    expect(config.comm.http).to.deep.equal({ host: '0.0.0.0', port: 5001 });
    expect(config.mqtt.broker.listen).to.deep.equal({ host: '0.0.0.0', port: 1883 });
  });

  it('refuses a source name or a source setting that is not one, and a whitelist key that names no source, rather than ignore it', () => {
    expect(() => validateHavenConfig({ trigger: { sources: { Tcp: { enabled: false } } } }, 'x.json')).to.throw(
      ConfigError,
      /\/trigger\/sources must NOT have additional properties \('Tcp'\)/,
    );
    expect(() => validateHavenConfig({ trigger: { sources: { TCP: { enable: false } } } }, 'x.json')).to.throw(
      ConfigError,
      /\/trigger\/sources\/TCP must NOT have additional properties \('enable'\)/,
    );
    // A misspelt whitelist would have let every address in.
    expect(() => validateHavenConfig({ trigger: { gating: { whitelist: { tcp: ['10.0.0.0/8'] } } } }, 'x.json')).to.throw(
      ConfigError,
      /x\.json: \/trigger\/gating\/whitelist has a key 'tcp' that is none of \(\*, HTTP, TCP, MODBUS, WEB, OSC, MQTT\)/,
    );
    // The seed hub's polling setting still loads; no source polls.
    expect(validateHavenConfig({ trigger: { sources: { TCP: { poll_interval_ms: 100 } } } }).trigger.sources.TCP).to.include({ enabled: true, priority: 1 });
  });

  it('refuses MQTT topics that would read Haven’s own publishes back, or map a device onto them', () => {
    const bad = (mqtt: unknown) => () => validateHavenConfig({ mqtt }, 'x.json');
    expect(bad({ topics: { trigger: 'haven' } })).to.throw(ConfigError, /x\.json: \/mqtt\/topics\/status overlaps topics\.trigger/);
    expect(bad({ topics: { event: 'haven/trigger/out' } })).to.throw(ConfigError, /\/mqtt\/topics\/event overlaps topics\.trigger/);
    expect(bad({ topics: { error: 'haven/state' } })).to.throw(ConfigError, /\/mqtt\/topics\/error overlaps topics\.state/);
    expect(bad({ map: [{ topic: 'haven/event/Stage/Mode', trigger: 'Stage.Mode' }] })).to.throw(ConfigError, /\/mqtt\/map\/0\/topic is under topics\.event/);
    expect(bad({ map: [{ topic: 'stat/plug/POWER', trigger: 'Stage.Power', value: 'On', json_field: 'POWER' }] })).to.throw(ConfigError, /\/mqtt\/map\/0/);
    expect(() =>
      validateHavenConfig({ mqtt: { topics: { trigger: 'show/in', event: 'show/out' }, map: [{ topic: 'haven/event2/x', trigger: 'Stage.Mode' }] } }, 'x.json'),
    ).not.to.throw();
  });

  it('reports a file that is not JSON', () => {
    const file = write('haven.json', '{ nope');
    expect(() => loadHavenConfig({ configFile: file, env: {} })).to.throw(ConfigError, /is not valid JSON/);
  });

  it('loads the repository trigger catalog with all four types', () => {
    const { triggers } = loadTriggerConfig(loadHavenConfig({ env: {} }).trigger.config_file);
    expect(new Set([...triggers.values()].map((t) => t.type))).to.deep.equal(new Set(['On/Off', 'Discrete', 'Continuous', 'OneShot']));
    expect(triggers.get('RedTelephone.Button_1')).to.include({ type: 'On/Off', organization: 'default' });
  });

  it('rejects inconsistent triggers, naming the field', () => {
    const dup = write('t1.json', {
      triggers: [
        { name: 'A.b', type: 'OneShot' },
        { name: 'A.b', type: 'OneShot' },
      ],
    });
    expect(() => loadTriggerConfig(dup)).to.throw(ConfigError, /\/triggers\/1\/name duplicates trigger 'A\.b'/);
    const noValues = write('t2.json', { triggers: [{ name: 'A.b', type: 'Discrete' }] });
    expect(() => loadTriggerConfig(noValues)).to.throw(ConfigError, /\/triggers\/0\/values is required/);
    const badType = write('t3.json', { triggers: [{ name: 'A.b', type: 'Toggle' }] });
    expect(() => loadTriggerConfig(badType)).to.throw(ConfigError, /\/triggers\/0\/type must be equal to one of the allowed values/);
    const badName = write('t4.json', { triggers: [{ name: 'nodots', type: 'OneShot' }] });
    expect(() => loadTriggerConfig(badName)).to.throw(ConfigError, /\/triggers\/0\/name must match pattern/);
  });

  it("takes a trigger's device, location and space as a name or {id, name}, and names a bad one", () => {
    const good = write('t5.json', {
      triggers: [
        { name: 'Door.Lock', type: 'On/Off', device: { id: 'device_123', name: 'Front Door' }, location: 'Main Building', space: { id: 'space_101' } },
      ],
    });
    expect(loadTriggerConfig(good).triggers.get('Door.Lock')).to.deep.include({
      device: { id: 'device_123', name: 'Front Door' },
      location: 'Main Building',
      space: { id: 'space_101' },
    });
    for (const [place, error] of [
      [{ location: { id: 'loc', floor: 2 } }, /\/triggers\/0\/location must NOT have additional properties \('floor'\)/],
      [{ space: {} }, /\/triggers\/0\/space must NOT have fewer than 1 properties/],
      [{ device: 7 }, /\/triggers\/0\/device must be string,object/],
      [{ location: { id: '' } }, /\/triggers\/0\/location\/id must NOT have fewer than 1 characters/],
    ] as const) {
      const file = write('t6.json', { triggers: [{ name: 'Door.Lock', type: 'On/Off', ...place }] });
      expect(() => loadTriggerConfig(file), JSON.stringify(place)).to.throw(ConfigError, error);
    }
  });

  it('takes the deployment overrides from the environment', () => {
    const config = loadHavenConfig({ env: { HAVEN_HTTP_PORT: '6001', HAVEN_DATA_DIR: dir, REDIS_URL: 'redis://127.0.0.1:6390' } });
    expect(config.comm.http.port).to.equal(6001);
    expect(config.storage.data_dir).to.equal(dir);
    expect(config.bus.redis_url).to.equal('redis://127.0.0.1:6390');
  });

  it('takes a relative path from the environment from the current folder, one in a config file or a default from the repository', () => {
    mkdirSync(join(dir, 'etc'));
    const file = write('etc/haven.json', { storage: { data_dir: 'state' }, trigger: { config_file: 'catalog.json' } });
    const shell = join(dir, 'shell');
    const repo = join(dir, 'repo');
    // A config in a subfolder naming `data` has always meant the repository's: read elsewhere, a hub would start on an empty log.
    const fromFile = loadHavenConfig({ configFile: file, env: {}, cwd: shell, baseDir: repo });
    expect(fromFile.storage.data_dir).to.equal(join(repo, 'state'));
    expect(fromFile.trigger.config_file).to.equal(join(repo, 'catalog.json'));
    // `haven start --data ./d` and HAVEN_DATA_DIR=./d mean the shell's ./d.
    const fromEnv = loadHavenConfig({ configFile: file, env: { HAVEN_DATA_DIR: './d', HAVEN_TRIGGER_CONFIG: 'c.json' }, cwd: shell, baseDir: repo });
    expect(fromEnv.storage.data_dir).to.equal(join(shell, 'd'));
    expect(fromEnv.trigger.config_file).to.equal(join(shell, 'c.json'));
    const defaults = loadHavenConfig({ env: {}, cwd: shell, baseDir: repo });
    expect(defaults.storage.data_dir).to.equal(join(repo, 'data'));
    expect(defaults.trigger.config_file).to.equal(join(repo, 'config', 'trigger_config.json'));
    // A config file named relative to the current folder.
    expect(loadHavenConfig({ configFile: 'etc/haven.json', env: {}, cwd: dir, baseDir: repo }).storage.data_dir).to.equal(join(repo, 'state'));
  });
});
