/**
 * A stereo WAV recorder on the bridge: left channel = what its `left` port hears (the inmate),
 * right = what its `right` port hears (the called party); 8 kHz, 16-bit PCM.
 *
 * A recording must survive the process dying mid-call. Audio is appended every 500 ms, and the
 * RIFF and data sizes in the header are rewritten every second (and on close) once the audio
 * they count is written, so a file cut by a crash is a valid WAV holding everything up to the
 * last header rewrite (at most ~1.5 s lost), readable by sox and by our reader. The writes go
 * through the engine's RecordingWriter, which keeps each file's writes in order (a header is
 * never on disk before the audio it counts) and off the event loop.
 */
import { close as closeFile, open as openFile } from "node:fs";
import { endianness } from "node:os";
import { promisify } from "node:util";
import type { AudioMediaRecorder } from "../api.ts";
import { type BridgePort, type ConferenceBridge, FRAME_SAMPLES } from "./bridge.ts";
import { Emitter } from "./emitter.ts";
import type { RecordingWriter } from "./recording-writer.ts";
import { WAV_HEADER_SIZE, writeWavHeader } from "./wav.ts";

/** What the recorder needs of the writer (tests pass a fake that fails). */
export type RecordingSink = Pick<RecordingWriter, "newFile" | "write" | "end">;

const open = promisify(openFile);
const closeFd = promisify(closeFile);

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
  private readonly writer: RecordingSink;
  /** The writer's name for this file, and the file. */
  private readonly id: number;
  private readonly fd: number;
  /** This tick's frame of each side (the bridge's mix buffer is reused, so it is copied). */
  private readonly leftFrame = new Int16Array(FRAME_SAMPLES);
  private readonly rightFrame = new Int16Array(FRAME_SAMPLES);
  /** Audio gathered since the last write, interleaved as it will be on disk. */
  private chunk: Buffer;
  /** The chunk as one 32-bit word per stereo sample (little-endian hosts). */
  private chunkPairs: Int32Array;
  private chunkTicks = 0;
  /** Chunks back from the writer, for reuse. */
  private readonly pool: ArrayBuffer[] = [];
  private ticks = 0;
  /** Data bytes handed to the writer. */
  private queuedBytes = 0;
  /** Data bytes the header on disk counts. */
  headerBytes = 0;
  private readonly removeTick: () => void;
  private closing: Promise<number> | undefined;
  private failure: Error | undefined;

  private constructor(bridge: ConferenceBridge, file: string, writer: RecordingSink, id: number, fd: number) {
    super();
    this.bridge = bridge;
    this.file = file;
    this.writer = writer;
    this.id = id;
    this.fd = fd;
    this.chunk = this.newChunk();
    this.chunkPairs = this.view(this.chunk);
    this.left = bridge.addPort({ write: (f) => this.leftFrame.set(f) }, "recorder-left");
    this.right = bridge.addPort({ write: (f) => this.rightFrame.set(f) }, "recorder-right");
    this.removeTick = bridge.onTickEnd(() => this.onTick());
  }

  /** Creates the file (truncating it) with an empty header and puts the recorder on the bridge. */
  static async open(bridge: ConferenceBridge, file: string, writer: RecordingSink): Promise<WavRecorder> {
    const fd = await open(file, "w");
    const id = writer.newFile();
    const header = writeWavHeader(new Uint8Array(WAV_HEADER_SIZE), 0, CHANNELS);
    const failed = await new Promise<Error | undefined>((resolve) => writer.write(id, fd, 0, header, resolve));
    if (failed) {
      await new Promise<void>((resolve) => writer.end(id, fd, resolve));
      await closeFd(fd);
      throw failed;
    }
    return new WavRecorder(bridge, file, writer, id, fd);
  }

  private newChunk(): Buffer {
    const reused = this.pool.pop();
    return reused ? Buffer.from(reused) : Buffer.allocUnsafeSlow(BYTES_PER_TICK * WRITE_TICKS);
  }

  private view(b: Buffer): Int32Array {
    return new Int32Array(b.buffer, b.byteOffset, b.length >> 2);
  }

  private onTick(): void {
    const l = this.leftFrame;
    const r = this.rightFrame;
    if (LITTLE_ENDIAN) {
      // one store per stereo sample: left in the low half, right in the high half
      const out = this.chunkPairs;
      const o = this.chunkTicks * FRAME_SAMPLES;
      for (let i = 0; i < FRAME_SAMPLES; i++) out[o + i] = (l[i]! & 0xffff) | (r[i]! << 16);
    } else {
      let o = this.chunkTicks * BYTES_PER_TICK;
      for (let i = 0; i < FRAME_SAMPLES; i++, o += 4) {
        this.chunk.writeInt16LE(l[i]!, o);
        this.chunk.writeInt16LE(r[i]!, o + 2);
      }
    }
    this.chunkTicks++;
    this.ticks++;
    if (this.chunkTicks === WRITE_TICKS) this.writeChunk();
    if (this.ticks % HEADER_TICKS === 0) this.writeHeader();
  }

  private writeChunk(): void {
    if (this.chunkTicks === 0) return;
    const len = this.chunkTicks * BYTES_PER_TICK;
    const pos = WAV_HEADER_SIZE + this.queuedBytes;
    this.queuedBytes += len;
    this.chunkTicks = 0;
    // nothing is written after a failure: the chunk is gathered into again, not replaced
    if (this.failure) return;
    // a short last chunk goes as a copy of its part (the writer sends whole buffers)
    const data = len === this.chunk.length ? this.chunk : new Uint8Array(this.chunk.subarray(0, len));
    this.chunk = this.newChunk();
    this.chunkPairs = this.view(this.chunk);
    this.writer.write(this.id, this.fd, pos, data, (err, buffer) => {
      if (buffer && buffer.byteLength === BYTES_PER_TICK * WRITE_TICKS) this.pool.push(buffer);
      if (err) this.fail(err);
    });
  }

  private writeHeader(): void {
    const total = this.queuedBytes;
    if (this.failure) return;
    this.writer.write(this.id, this.fd, 0, writeWavHeader(new Uint8Array(WAV_HEADER_SIZE), total, CHANNELS), (err) => {
      if (err) {
        this.fail(err);
        return;
      }
      this.headerBytes = total;
      this.emit("flush", total);
    });
  }

  /** A failed write stops the recording (the file keeps what was written), never the process. */
  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.emit("failed", err);
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
      await new Promise<void>((resolve) => this.writer.end(this.id, this.fd, resolve));
      try {
        await closeFd(this.fd);
      } finally {
        this.emit("closed");
      }
      if (this.failure) throw this.failure;
      return WAV_HEADER_SIZE + this.queuedBytes;
    })();
    return this.closing;
  }
}
