/**
 * Writes every recording's audio and header updates from one worker thread, in batches.
 *
 * Why a thread of our own: with `fs.promises` each write is a trip through libuv's thread pool
 * (a pool thread woken, a completion woken back, a promise settled). A recorder makes three a
 * second, so 500 recorded calls made 1,500 such trips a second, and on a shared VM the wake-ups
 * cost 5-9 % of a core. Here the writes queued during one bridge tick leave as one message
 * (buffers transferred, not copied) and the thread writes them with plain `pwrite`s: two wake-ups
 * per tick, whatever the number of calls.
 *
 * The event loop never waits for the disk: a slow disk delays the thread, not the bridge.
 *
 * Order is the guarantee the recorder's crash safety rests on: the operations of one file are
 * written in the order they were queued (one thread, messages in order, each batch in order),
 * so a header rewrite never reaches the disk before the audio it counts. After a failed write,
 * the later operations of that file are not attempted (its header must not count audio that is
 * missing).
 *
 * The thread only writes: files are opened and closed on the main thread (Node tracks the fds
 * each thread opened), the close once `end()` says the thread is done with the file.
 */
import { Worker } from "node:worker_threads";

/** One operation: write `data` at `position`, or (data null) end the file after its writes. */
interface Op {
  id: number;
  file: number;
  fd: number;
  position: number;
  data: Uint8Array | null;
}

interface Done {
  id: number;
  /** Error code or message, null when the operation succeeded. */
  error: string | null;
}

interface Reply {
  done: Done[];
  /** The transferred buffers coming back, in operation order (null for an end). */
  buffers: Array<ArrayBuffer | null>;
}

type Callback = (error: Error | undefined, buffer: ArrayBuffer | null) => void;

/**
 * The thread's code: plain JavaScript run with `eval`, so it needs no TypeScript loader (tsx does
 * not reach worker threads) and stays the same whether Yardline runs from source or is built.
 */
const THREAD_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const failed = new Set();
parentPort.on("message", (ops) => {
  const done = [];
  const buffers = [];
  for (const op of ops) {
    let error = null;
    try {
      if (op.data === null) {
        failed.delete(op.file);
      } else if (failed.has(op.file)) {
        error = "an earlier write of this recording failed";
      } else {
        const data = op.data;
        let off = 0;
        while (off < data.length) off += writeSync(op.fd, data, off, data.length - off, op.position + off);
      }
    } catch (err) {
      failed.add(op.file);
      error = String((err && err.code) || (err && err.message) || err);
    }
    done.push({ id: op.id, error });
    buffers.push(op.data ? op.data.buffer : null);
  }
  parentPort.postMessage({ done, buffers }, buffers.filter((b) => b !== null));
});
`;

export class RecordingWriter {
  private worker: Worker | undefined;
  private queued: Op[] = [];
  private transfer: ArrayBuffer[] = [];
  private readonly pending = new Map<number, Callback>();
  private nextId = 1;
  private nextFile = 1;
  private flushScheduled = false;
  private closed = false;
  /** Waiting in stop() for the last operations. */
  private idle: Array<() => void> = [];

  /** A number naming one file for the thread (fds are reused once closed; these are not). */
  newFile(): number {
    return this.nextFile++;
  }

  /**
   * Queues `data` for `fd` at `position`. `data` must be the whole of its ArrayBuffer: it is
   * transferred to the thread and handed back to `done` for reuse once written.
   */
  write(file: number, fd: number, position: number, data: Uint8Array, done: Callback): void {
    if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) {
      throw new RangeError("RecordingWriter.write: data must span its whole buffer");
    }
    this.queue({ id: this.nextId++, file, fd, position, data }, done);
    this.transfer.push(data.buffer as ArrayBuffer);
  }

  /** No more writes for `file`: `done` is called once every write queued before is done (the fd may then be closed). */
  end(file: number, fd: number, done: () => void): void {
    this.queue({ id: this.nextId++, file, fd, position: 0, data: null }, () => done());
  }

  /** Stops the thread once everything queued is written. */
  async stop(): Promise<void> {
    if (this.closed) return;
    if (this.pending.size > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    this.closed = true;
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private queue(op: Op, done: Callback): void {
    if (this.closed) {
      queueMicrotask(() => done(new Error("recording writer stopped"), op.data ? (op.data.buffer as ArrayBuffer) : null));
      return;
    }
    this.queued.push(op);
    this.pending.set(op.id, done);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // everything queued in this turn of the event loop (one bridge tick, or a catch-up burst
      // of ticks) leaves as one message
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.queued.length === 0) return;
    const ops = this.queued;
    const transfer = this.transfer;
    this.queued = [];
    this.transfer = [];
    const w = this.thread();
    // the thread keeps the process alive only while it has work
    w.ref();
    w.postMessage(ops, transfer);
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(THREAD_SOURCE, { eval: true });
    w.on("message", (reply: Reply) => this.onReply(reply));
    w.on("error", (err) => this.onExit(w, err));
    w.on("exit", (code) => this.onExit(w, new Error(`recording writer thread exited (${code})`)));
    this.worker = w;
    return w;
  }

  private onReply(reply: Reply): void {
    for (let i = 0; i < reply.done.length; i++) {
      const d = reply.done[i]!;
      const cb = this.pending.get(d.id);
      if (!cb) continue;
      this.pending.delete(d.id);
      cb(d.error === null ? undefined : new Error(`recording write failed: ${d.error}`), reply.buffers[i] ?? null);
    }
    if (this.pending.size === 0) this.settled();
  }

  private settled(): void {
    this.worker?.unref();
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }

  /** The thread died (out of memory, terminated): what it had not done fails; the next write starts another. */
  private onExit(w: Worker, err: Error): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    const lost = [...this.pending.values()];
    this.pending.clear();
    for (const cb of lost) cb(err, null);
    this.settled();
  }
}
