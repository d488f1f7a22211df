/** The parts of osc.js (`osc`) and `slip` Haven uses: their pure codecs, never their Port classes. */
declare module 'osc' {
  /** One typed argument, as osc.js reads and writes it with `{ metadata: true }`. */
  export interface OscArgument {
    readonly type: string;
    readonly value?: unknown;
  }
  export interface OscMessage {
    readonly address: string;
    readonly args: readonly OscArgument[];
  }
  export interface OscBundle {
    readonly timeTag: unknown;
    readonly packets: ReadonlyArray<OscMessage | OscBundle>;
  }
  export function writePacket(packet: OscMessage | OscBundle, options: { metadata: true }): Uint8Array;
  export function readPacket(data: Uint8Array, options: { metadata: true }, offsetState?: unknown, length?: number): OscMessage | OscBundle;
}

declare module 'slip' {
  /** SLIP (RFC 1055) frame of `data`, END byte before and after (OSC 1.1 over TCP). */
  export function encode(data: Uint8Array, options?: { bufferPadding?: number }): Uint8Array;
  export class Decoder {
    constructor(options: {
      onMessage: (msg: Uint8Array) => void;
      onError?: (msg: Uint8Array, error: string) => void;
      maxMessageSize?: number;
      bufferSize?: number;
    });
    decode(data: Uint8Array): void;
  }
}
