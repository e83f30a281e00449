/**
 * The conference bridge (pjmedia's conference, reduced to what Yardline needs): every 20 ms it
 * reads one frame from every port that has audio to give, mixes, per sink, the frames of the
 * ports transmitting to it — each connection with its own gain — and hands each sink its mix.
 *
 * A port hears only what is connected to it, so "heard by no one" is simply a port with no
 * outgoing connection, and a prompt can overlay a conversation by connecting it at a lower
 * gain. The tick allocates nothing: every frame buffer and the mixing accumulator are made
 * once, when a port is created.
 */
import type { AudioMedia } from "../api.ts";

/** 20 ms at 8 kHz. */
export const FRAME_SAMPLES = 160;
export const TICK_MS = 20;

export interface PortHandler {
  /** Fills `frame` with this port's next 20 ms; returns false when it has nothing to give. */
  read?(frame: Int16Array): boolean;
  /** Receives this port's mix; `hasAudio` is false when no input gave audio this tick. */
  write?(frame: Int16Array, hasAudio: boolean): void;
}

interface Connection {
  src: BridgePort;
  level: number;
}

export class BridgePort implements AudioMedia {
  readonly portId: number;
  readonly name: string;
  /** Set by the bridge when the port is removed. */
  removed = false;
  /** What this port put into the bridge this tick. */
  readonly frame = new Int16Array(FRAME_SAMPLES);
  hasFrame = false;
  /** Ports transmitting to this one. */
  readonly inputs: Connection[] = [];
  txLevel = 1;
  rxLevel = 1;
  readonly handler: PortHandler;
  /**
   * The handler's functions, bound once: the tick calls them on every port of every kind, and
   * through fields of this one class the calls stay monomorphic (handlers are objects of many shapes).
   */
  readonly read: ((frame: Int16Array) => boolean) | null;
  readonly write: ((frame: Int16Array, hasAudio: boolean) => void) | null;
  private readonly bridge: ConferenceBridge;

  constructor(bridge: ConferenceBridge, id: number, name: string, handler: PortHandler) {
    this.bridge = bridge;
    this.portId = id;
    this.name = name;
    this.handler = handler;
    this.read = handler.read ? handler.read.bind(handler) : null;
    this.write = handler.write ? handler.write.bind(handler) : null;
  }

  startTransmit(sink: AudioMedia, level = 1): void {
    const s = this.bridge.port(sink.portId);
    if (!s || this.removed) throw new Error(`startTransmit: port ${sink.portId} is not on this bridge`);
    if (s === this) throw new Error("startTransmit: a port cannot transmit to itself");
    if (!s.write) throw new Error(`startTransmit: port ${s.name} cannot receive audio`);
    if (!(level >= 0 && Number.isFinite(level))) throw new RangeError(`startTransmit: bad level ${level}`);
    const existing = s.inputs.find((c) => c.src === this);
    if (existing) existing.level = level;
    else s.inputs.push({ src: this, level });
  }

  stopTransmit(sink: AudioMedia): void {
    const s = this.bridge.port(sink.portId);
    if (!s) return;
    const i = s.inputs.findIndex((c) => c.src === this);
    if (i >= 0) s.inputs.splice(i, 1);
  }

  adjustRxLevel(level: number): void {
    if (!(level >= 0 && Number.isFinite(level))) throw new RangeError(`adjustRxLevel: bad level ${level}`);
    this.rxLevel = level;
  }

  adjustTxLevel(level: number): void {
    if (!(level >= 0 && Number.isFinite(level))) throw new RangeError(`adjustTxLevel: bad level ${level}`);
    this.txLevel = level;
  }

  /** Ports this one transmits to. */
  sinks(): BridgePort[] {
    return this.bridge.ports().filter((p) => p.inputs.some((c) => c.src === this));
  }
}

export class ConferenceBridge {
  private readonly list: BridgePort[] = [];
  private readonly byId = new Map<number, BridgePort>();
  private nextId = 1;
  private readonly acc = new Int32Array(FRAME_SAMPLES);
  private readonly silence = new Int16Array(FRAME_SAMPLES);
  private readonly mix = new Int16Array(FRAME_SAMPLES);
  private readonly tickListeners: Array<() => void> = [];
  ticks = 0;

  addPort(handler: PortHandler, name = "port"): BridgePort {
    const port = new BridgePort(this, this.nextId++, name, handler);
    this.list.push(port);
    this.byId.set(port.portId, port);
    return port;
  }

  /** Removes a port and every connection to and from it. */
  removePort(port: AudioMedia): void {
    const p = this.byId.get(port.portId);
    if (!p) return;
    p.removed = true;
    this.byId.delete(p.portId);
    this.list.splice(this.list.indexOf(p), 1);
    for (const other of this.list) {
      const i = other.inputs.findIndex((c) => c.src === p);
      if (i >= 0) other.inputs.splice(i, 1);
    }
  }

  port(id: number): BridgePort | undefined {
    return this.byId.get(id);
  }

  ports(): BridgePort[] {
    return [...this.list];
  }

  /** Called after each tick (recorders write their frames here). Returns a remover. */
  onTickEnd(fn: () => void): () => void {
    this.tickListeners.push(fn);
    return () => {
      const i = this.tickListeners.indexOf(fn);
      if (i >= 0) this.tickListeners.splice(i, 1);
    };
  }

  /** One 20 ms step: read every source, mix for every sink, write. */
  tick(): void {
    this.ticks++;
    const list = this.list;
    const n = list.length;
    for (let i = 0; i < n; i++) {
      const p = list[i]!;
      if (p.read === null) continue;
      p.hasFrame = p.read(p.frame);
      if (p.hasFrame && p.txLevel !== 1) scale(p.frame, p.txLevel);
    }
    const acc = this.acc;
    const mix = this.mix;
    for (let i = 0; i < n; i++) {
      const p = list[i]!;
      if (p.write === null) continue;
      const inputs = p.inputs;
      let active = 0;
      let only: Connection | undefined;
      for (let k = 0; k < inputs.length; k++) {
        const c = inputs[k]!;
        if (c.src.hasFrame && c.level > 0) {
          active++;
          only = c;
        }
      }
      if (active === 0 || p.rxLevel === 0) {
        p.write(this.silence, false);
        continue;
      }
      if (active === 1 && only!.level * p.rxLevel === 1) {
        // one input at unity gain (a two-party call, a recorder's side): hand its frame over as it is
        p.write(only!.src.frame, true);
        continue;
      }
      acc.fill(0);
      for (let k = 0; k < inputs.length; k++) {
        const c = inputs[k]!;
        if (!c.src.hasFrame || c.level <= 0) continue;
        const g = c.level * p.rxLevel;
        const f = c.src.frame;
        if (g === 1) for (let s = 0; s < FRAME_SAMPLES; s++) acc[s]! += f[s]!;
        else for (let s = 0; s < FRAME_SAMPLES; s++) acc[s]! += f[s]! * g;
      }
      // saturate to 16 bits
      for (let s = 0; s < FRAME_SAMPLES; s++) {
        const v = acc[s]!;
        mix[s] = Math.max(-32768, Math.min(32767, v));
      }
      p.write(mix, true);
    }
    for (let i = 0; i < this.tickListeners.length; i++) this.tickListeners[i]!();
  }
}

function scale(frame: Int16Array, g: number): void {
  for (let s = 0; s < frame.length; s++) {
    const v = frame[s]! * g;
    frame[s] = Math.max(-32768, Math.min(32767, v));
  }
}
