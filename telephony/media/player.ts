/**
 * A WAV player on the bridge (pjsua2 AudioMediaPlayer with a playlist): files play one after
 * the other; "file" is emitted when one starts, "end" when the queue is drained.
 *
 * Files are read and decoded when they are queued, so a missing or wrongly encoded prompt fails
 * at `enqueue()` with the file's name instead of going silent in the middle of a call. Prompts
 * are short (seconds), so reading them whole is cheap.
 */
import { readFileSync } from "node:fs";
import type { AudioMedia, AudioMediaPlayer } from "../api.ts";
import type { BridgePort, ConferenceBridge } from "./bridge.ts";
import { Emitter } from "./emitter.ts";
import { decodeWavMono8k } from "./wav.ts";

export class WavPlayer extends Emitter implements AudioMediaPlayer {
  private readonly port: BridgePort;
  private readonly bridge: ConferenceBridge;
  private readonly queue: Array<{ file: string; samples: Int16Array }> = [];
  private current: { file: string; samples: Int16Array } | undefined;
  private pos = 0;
  private destroyed = false;
  private readonly onDestroyed: (() => void) | undefined;

  /** `onDestroyed` lets the engine forget the player (it would otherwise keep every call's). */
  constructor(bridge: ConferenceBridge, onDestroyed?: () => void) {
    super();
    this.bridge = bridge;
    this.onDestroyed = onDestroyed;
    this.port = bridge.addPort({ read: (f) => this.read(f) }, "player");
  }

  get portId(): number {
    return this.port.portId;
  }

  get playing(): boolean {
    return this.current !== undefined || this.queue.length > 0;
  }

  startTransmit(sink: AudioMedia, level?: number): void {
    this.port.startTransmit(sink, level);
  }

  stopTransmit(sink: AudioMedia): void {
    this.port.stopTransmit(sink);
  }

  adjustRxLevel(level: number): void {
    this.port.adjustRxLevel(level);
  }

  adjustTxLevel(level: number): void {
    this.port.adjustTxLevel(level);
  }

  /** Queues files; all are checked first, so a bad one queues none. Throws WavFormatError or a read error. */
  enqueue(files: string[]): void {
    if (this.destroyed) throw new Error("player destroyed");
    const loaded = files.map((file) => ({ file, samples: decodeWavMono8k(readFileSync(file), file) }));
    this.queue.push(...loaded);
  }

  stop(): void {
    this.queue.length = 0;
    this.current = undefined;
    this.pos = 0;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.stop();
    this.bridge.removePort(this.port);
    this.removeAllListeners();
    this.onDestroyed?.();
  }

  private read(frame: Int16Array): boolean {
    let written = 0;
    while (written < frame.length) {
      if (!this.current) {
        const next = this.queue.shift();
        if (!next) break;
        this.current = next;
        this.pos = 0;
        this.later("file", next.file);
      }
      const src = this.current.samples;
      const n = Math.min(frame.length - written, src.length - this.pos);
      for (let i = 0; i < n; i++) frame[written + i] = src[this.pos + i]!;
      written += n;
      this.pos += n;
      if (this.pos >= src.length) {
        this.current = undefined;
        if (this.queue.length === 0) this.later("end");
      }
    }
    if (written === 0) return false;
    frame.fill(0, written);
    return true;
  }

  /** Events go out after the tick, so listeners may rewire the bridge safely. */
  private later(event: string, ...args: unknown[]): void {
    queueMicrotask(() => {
      if (!this.destroyed) this.emit(event, ...args);
    });
  }
}
