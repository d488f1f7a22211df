import type { LinkEvents, LinkPublish, MqttLink } from './mqttLink';

/**
 * A link whose implementation is loaded when it starts: aedes and mqtt.js take about a fifth of
 * the hub's start-up to load, and a hub with MQTT off (the default) never starts its link. Before
 * it starts it serves nothing: no address, not healthy, and a publish is given up at once.
 */
export function lazyLink(load: () => Promise<MqttLink>): MqttLink {
  let link: MqttLink | undefined;
  return {
    async start(events: LinkEvents) {
      link ??= await load();
      return link.start(events);
    },
    publish(message: LinkPublish, done: () => void) {
      if (link) link.publish(message, done);
      else done();
    },
    address: () => link?.address() ?? null,
    detail: () => link?.detail() ?? 'not started',
    healthy: () => link?.healthy() ?? false,
    stopping: () => link?.stopping(),
    stop: async () => link?.stop(),
  };
}
