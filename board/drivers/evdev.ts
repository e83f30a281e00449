import { once } from "node:events";
import { createReadStream, type ReadStream } from "node:fs";
import { DeviceUnavailableError, type DigitalInput, explainOsError } from "./interfaces.ts";

/**
 * Reader for Linux input event devices (`/dev/input/eventN`) as `gpio-keys` and
 * `matrix-keypad` expose them. Plain `fs`, no native addon.
 *
 * `struct input_event` (linux/input.h): `struct timeval time; __u16 type; __u16 code; __s32 value;`
 * — 24 bytes where `long` is 64-bit (timeval = 2 × 8), 16 bytes on 32-bit ARM (2 × 4).
 */
export const EV_SYN = 0x00;
export const EV_KEY = 0x01;
export const EV_SW = 0x05;

export type WordSize = 32 | 64;

export interface InputEvent {
  /** Kernel timestamp in ms (from the record's timeval). */
  timeMs: number;
  type: number;
  code: number;
  value: number;
}

export function recordSize(word: WordSize): number {
  return word === 64 ? 24 : 16;
}

/** Packs one record, as the kernel would write it (little-endian, as on ARM and x86). */
export function packInputEvent(ev: InputEvent, word: WordSize = 64): Buffer {
  const buf = Buffer.alloc(recordSize(word));
  const sec = Math.floor(ev.timeMs / 1000);
  const usec = Math.round((ev.timeMs - sec * 1000) * 1000);
  let o = 0;
  if (word === 64) {
    buf.writeBigInt64LE(BigInt(sec), 0);
    buf.writeBigInt64LE(BigInt(usec), 8);
    o = 16;
  } else {
    buf.writeInt32LE(sec, 0);
    buf.writeInt32LE(usec, 4);
    o = 8;
  }
  buf.writeUInt16LE(ev.type, o);
  buf.writeUInt16LE(ev.code, o + 2);
  buf.writeInt32LE(ev.value, o + 4);
  return buf;
}

/** Splits a byte stream into records, keeping a partial record for the next chunk. */
export class InputEventDecoder {
  private rest: Buffer = Buffer.alloc(0);
  private readonly size: number;
  private readonly word: WordSize;
  constructor(word: WordSize = 64) {
    this.word = word;
    this.size = recordSize(word);
  }

  push(chunk: Buffer): InputEvent[] {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const out: InputEvent[] = [];
    let off = 0;
    for (; off + this.size <= buf.length; off += this.size) {
      let sec: number;
      let usec: number;
      let o: number;
      if (this.word === 64) {
        sec = Number(buf.readBigInt64LE(off));
        usec = Number(buf.readBigInt64LE(off + 8));
        o = off + 16;
      } else {
        sec = buf.readInt32LE(off);
        usec = buf.readInt32LE(off + 4);
        o = off + 8;
      }
      out.push({
        timeMs: sec * 1000 + usec / 1000,
        type: buf.readUInt16LE(o),
        code: buf.readUInt16LE(o + 2),
        value: buf.readInt32LE(o + 4),
      });
    }
    this.rest = Buffer.from(buf.subarray(off));
    return out;
  }
}

/** One opened event device; several inputs (one per key code) share it. */
export class EvdevDevice {
  readonly path: string;
  private readonly stream: ReadStream;
  private readonly decoder: InputEventDecoder;
  private readonly listeners = new Set<(ev: InputEvent) => void>();
  private readonly errorListeners = new Set<(err: DeviceUnavailableError) => void>();
  private readonly levels = new Map<string, boolean>();

  private constructor(path: string, stream: ReadStream, word: WordSize) {
    this.path = path;
    this.stream = stream;
    this.decoder = new InputEventDecoder(word);
    stream.on("data", (chunk) => {
      for (const ev of this.decoder.push(chunk as Buffer)) {
        if (ev.type === EV_KEY || ev.type === EV_SW) {
          // EV_KEY value 2 is autorepeat: the key is still down, not a new edge.
          if (ev.value === 2) continue;
          this.levels.set(`${ev.type}:${ev.code}`, ev.value !== 0);
        }
        for (const l of this.listeners) l(ev);
      }
    });
    stream.on("error", (err) => {
      const e = new DeviceUnavailableError(path, explainOsError(err), err);
      for (const l of this.errorListeners) l(e);
    });
  }

  /**
   * Opens the device. Rejects with DeviceUnavailableError when the node is absent or not
   * readable. For a FIFO the promise resolves once a writer has opened the other end.
   */
  static async open(path: string, word: WordSize = 64): Promise<EvdevDevice> {
    const stream = createReadStream(path, { highWaterMark: recordSize(word) * 64 });
    try {
      await once(stream, "open");
    } catch (err) {
      stream.destroy();
      throw new DeviceUnavailableError(path, explainOsError(err), err);
    }
    return new EvdevDevice(path, stream, word);
  }

  onEvent(listener: (ev: InputEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onError(listener: (err: DeviceUnavailableError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /**
   * Last level seen for a code. The kernel's EVIOCGKEY ioctl would give the state at open time,
   * but Node cannot issue ioctls without an addon: until the first event, a code reads as
   * released (gpio-keys reports a switch that is already closed at boot on its first change).
   */
  level(type: number, code: number): boolean {
    return this.levels.get(`${type}:${code}`) ?? false;
  }

  input(code: number, type: number = EV_KEY): DigitalInput {
    const name = `${this.path}#${code}`;
    return {
      name,
      read: async () => this.level(type, code),
      watch: (listener) =>
        this.onEvent((ev) => {
          if (ev.type === type && ev.code === code && ev.value !== 2) listener(ev.value !== 0);
        }),
      close: async () => {},
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    if (this.stream.destroyed) return;
    const closed = once(this.stream, "close").catch(() => undefined);
    this.stream.destroy();
    await closed;
  }
}
