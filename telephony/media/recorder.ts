/**
 * A stereo WAV recorder on the bridge: left channel = what its `left` port hears (the inmate),
 * right = what its `right` port hears (the called party); 8 kHz, 16-bit PCM.
 *
 * A recording must survive the process dying mid-call. Audio is appended every 500 ms, and the
 * RIFF and data sizes in the header are rewritten every second (and on close) once the audio
 * they count is written, so a file cut by a crash is a valid WAV holding everything up to the
 * last header rewrite (at most ~1.5 s lost), readable by sox and by our reader.
 */
import { type FileHandle, open } from "node:fs/promises";
import { endianness } from "node:os";
import type { AudioMediaRecorder } from "../api.ts";
import { type BridgePort, type ConferenceBridge, FRAME_SAMPLES } from "./bridge.ts";
import { Emitter } from "./emitter.ts";
import { WAV_HEADER_SIZE, writeWavHeader } from "./wav.ts";

/** Ticks of audio gathered before a write: 500 ms (two writes per header rewrite). */
const WRITE_TICKS = 25;
/** Ticks between header rewrites: 1 s. */
const HEADER_TICKS = 50;
const CHANNELS = 2;
const BYTES_PER_TICK = FRAME_SAMPLES * CHANNELS * 2;
const LITTLE_ENDIAN = endianness() === "LE";

export class WavRecorder extends Emitter implements AudioMediaRecorder {
  readonly file: string;
  readonly left: BridgePort;
  readonly right: BridgePort;
  private readonly bridge: ConferenceBridge;
  private readonly fh: FileHandle;
  private readonly leftFrame = new Int16Array(FRAME_SAMPLES);
  private readonly rightFrame = new Int16Array(FRAME_SAMPLES);
  private chunk: Buffer;
  private chunkSamples: Int16Array;
  private chunkTicks = 0;
  private readonly pool: Buffer[] = [];
  private ticks = 0;
  /** Data bytes handed to the file (queued writes included). */
  private queuedBytes = 0;
  /** Data bytes the header on disk counts. */
  headerBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly removeTick: () => void;
  private closing: Promise<number> | undefined;
  private failure: Error | undefined;

  private constructor(bridge: ConferenceBridge, file: string, fh: FileHandle) {
    super();
    this.bridge = bridge;
    this.file = file;
    this.fh = fh;
    this.left = bridge.addPort({ write: (f) => this.leftFrame.set(f) }, "recorder-left");
    this.right = bridge.addPort({ write: (f) => this.rightFrame.set(f) }, "recorder-right");
    this.chunk = this.newChunk();
    this.chunkSamples = this.view(this.chunk);
    this.removeTick = bridge.onTickEnd(() => this.onTick());
  }

  /** Creates the file (truncating it) with an empty header and puts the recorder on the bridge. */
  static async open(bridge: ConferenceBridge, file: string): Promise<WavRecorder> {
    const fh = await open(file, "w");
    await fh.write(writeWavHeader(new Uint8Array(WAV_HEADER_SIZE), 0, CHANNELS), 0, WAV_HEADER_SIZE, 0);
    return new WavRecorder(bridge, file, fh);
  }

  private newChunk(): Buffer {
    return this.pool.pop() ?? Buffer.allocUnsafeSlow(BYTES_PER_TICK * WRITE_TICKS);
  }

  private view(b: Buffer): Int16Array {
    return new Int16Array(b.buffer, b.byteOffset, b.length >> 1);
  }

  private onTick(): void {
    const out = this.chunkSamples;
    const l = this.leftFrame;
    const r = this.rightFrame;
    let o = this.chunkTicks * FRAME_SAMPLES * CHANNELS;
    if (LITTLE_ENDIAN) {
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        out[o++] = l[i]!;
        out[o++] = r[i]!;
      }
    } else {
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        this.chunk.writeInt16LE(l[i]!, o++ * 2);
        this.chunk.writeInt16LE(r[i]!, o++ * 2);
      }
    }
    this.chunkTicks++;
    this.ticks++;
    if (this.chunkTicks === WRITE_TICKS) this.writeChunk();
    if (this.ticks % HEADER_TICKS === 0) this.writeHeader();
  }

  private writeChunk(): void {
    if (this.chunkTicks === 0) return;
    const buf = this.chunk;
    const len = this.chunkTicks * BYTES_PER_TICK;
    const pos = WAV_HEADER_SIZE + this.queuedBytes;
    this.queuedBytes += len;
    this.chunk = this.newChunk();
    this.chunkSamples = this.view(this.chunk);
    this.chunkTicks = 0;
    this.enqueue(async () => {
      let done = 0;
      while (done < len) done += (await this.fh.write(buf, done, len - done, pos + done)).bytesWritten;
      this.pool.push(buf);
    });
  }

  private writeHeader(): void {
    const total = this.queuedBytes;
    this.enqueue(async () => {
      await this.fh.write(writeWavHeader(new Uint8Array(WAV_HEADER_SIZE), total, CHANNELS), 0, WAV_HEADER_SIZE, 0);
      this.headerBytes = total;
      this.emit("flush", total);
    });
  }

  /** Runs file operations one after the other; a failure stops the recording, never the process. */
  private enqueue(op: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        await op();
      } catch (err) {
        this.failure = err as Error;
        this.emit("failed", this.failure);
      }
    });
  }

  /** Seconds of audio recorded so far (queued for writing). */
  get seconds(): number {
    return (this.queuedBytes + this.chunkTicks * BYTES_PER_TICK) / (8000 * CHANNELS * 2);
  }

  close(): Promise<number> {
    this.closing ??= (async () => {
      this.removeTick();
      this.bridge.removePort(this.left);
      this.bridge.removePort(this.right);
      this.writeChunk();
      this.writeHeader();
      await this.chain;
      await this.fh.close();
      if (this.failure) throw this.failure;
      return WAV_HEADER_SIZE + this.queuedBytes;
    })();
    return this.closing;
  }
}
