import type { Component } from '../hub';
import type { HavenConfig } from '../config/havenConfig';
import { createWebSocketComponent } from '../websocket/websocketComponent';
import { createSseComponent } from '../sse/sseComponent';
import { createModbusSource } from '../sources/modbus/modbusSource';
import { createTcpSource } from '../sources/tcp/tcpSource';
import { createWebSource } from '../sources/web/webSource';
import { createPowerComponent } from '../power/powerComponent';

/**
 * The components the hub runs besides the HTTP trigger API, in start order (stopped in reverse):
 * transports and services first, sources last, so nothing is accepted before its watchers exist.
 */
export function createComponents(config: HavenConfig): Component[] {
  const websocket = config.websocket.enabled ? createWebSocketComponent(config) : undefined;
  return [
    ...(websocket ? [websocket] : []),
    // SSE envelopes name the areas of a trigger, which the WebSocket component owns.
    ...(config.sse.enabled ? [createSseComponent(config, { areasOfTrigger: websocket?.areasOfTrigger })] : []),
    // Power sockets before the sources, so a bound trigger never arrives before its socket exists.
    ...(config.power.enabled ? [createPowerComponent()] : []),
    // Sources last; each is listed even when disabled, so /readyz says it is off.
    createWebSource(),
    createTcpSource(),
    createModbusSource(),
  ];
}
