import type { Component } from '../hub';
import type { HavenConfig } from '../config/havenConfig';
import { createWebSocketComponent } from '../websocket/websocketComponent';

/**
 * The components the hub runs besides the HTTP trigger API, in start order (stopped in reverse):
 * transports and services first, sources last, so nothing is accepted before its watchers exist.
 */
export function createComponents(config: HavenConfig): Component[] {
  return [
    ...(config.websocket.enabled ? [createWebSocketComponent(config)] : []),
  ];
}
