import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import { ConferenceBridge } from "../../../telephony/media/bridge.ts";
import { type RecordingSink, WavRecorder } from "../../../telephony/media/recorder.ts";
import { RecordingWriter } from "../../../telephony/media/recording-writer.ts";

/** A directory removed when the test ends. */
function tmp(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), "recording-writer-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function bytes(n: number, value: number): Uint8Array {
  return new Uint8Array(n).fill(value);
}

function write(w: RecordingWriter, file: number, fd: number, pos: number, data: Uint8Array) {
  return new Promise<{ error: Error | undefined; buffer: ArrayBuffer | null }>((resolve) =>
    w.write(file, fd, pos, data, (error, buffer) => resolve({ error, buffer })),
  );
}

test("writes of one file land in the order they were queued, and the buffers come back", async (t) => {
  const w = new RecordingWriter();
  t.teardown(() => w.stop());
  const path = join(tmp(t), "a.bin");
  const fd = openSync(path, "w");
  const file = w.newFile();
  // the second write overwrites part of the first: only queue order gives "AABB"
  const first = write(w, file, fd, 0, bytes(4, 0x41));
  const second = write(w, file, fd, 2, bytes(2, 0x42));
  const [a, b] = await Promise.all([first, second]);
  t.is(a.error, undefined);
  t.is(b.error, undefined);
  t.is(a.buffer?.byteLength, 4, "the first buffer is handed back for reuse");
  await new Promise<void>((resolve) => w.end(file, fd, resolve));
  closeSync(fd);
  t.is(readFileSync(path, "latin1"), "AABB");
});

test("after a failed write the later writes of that file are not attempted; other files go on", async (t) => {
  const w = new RecordingWriter();
  t.teardown(() => w.stop());
  const dir = tmp(t);
  const badPath = join(dir, "read-only.bin");
  writeFileSync(badPath, "");
  const bad = openSync(badPath, "r"); // writing to it fails (EBADF)
  const goodPath = join(dir, "good.bin");
  const good = openSync(goodPath, "w");
  const badFile = w.newFile();
  const goodFile = w.newFile();
  const results = await Promise.all([
    write(w, badFile, bad, 0, bytes(8, 1)),
    write(w, goodFile, good, 0, bytes(3, 0x43)),
    write(w, badFile, bad, 0, bytes(44, 2)),
  ]);
  t.regex(results[0].error?.message ?? "", /EBADF/);
  t.is(results[1].error, undefined);
  t.regex(results[2].error?.message ?? "", /earlier write of this recording failed/);
  await new Promise<void>((resolve) => w.end(badFile, bad, resolve));
  await new Promise<void>((resolve) => w.end(goodFile, good, resolve));
  closeSync(bad);
  closeSync(good);
  t.is(readFileSync(goodPath, "latin1"), "CCC");
});

test("a buffer that is only part of its ArrayBuffer is refused (it could not be handed over whole)", (t) => {
  const w = new RecordingWriter();
  t.throws(() => w.write(w.newFile(), 0, 0, new Uint8Array(16).subarray(4), () => {}), { instanceOf: RangeError });
});

test("stop waits for the queued writes, then writes fail instead of being lost silently", async (t) => {
  const w = new RecordingWriter();
  const path = join(tmp(t), "s.bin");
  const fd = openSync(path, "w");
  const file = w.newFile();
  const pending = write(w, file, fd, 0, bytes(5, 0x44));
  await w.stop();
  t.is((await pending).error, undefined);
  t.is(readFileSync(path, "latin1"), "DDDDD");
  const late = await write(w, file, fd, 0, bytes(1, 0x45));
  t.regex(late.error?.message ?? "", /stopped/);
  closeSync(fd);
});

test("a recording whose write fails reports it once, writes no more, and its close rejects", async (t) => {
  const bridge = new ConferenceBridge();
  const calls: string[] = [];
  let failNext = false;
  const sink: RecordingSink = {
    newFile: () => 1,
    write(_file, _fd, position, data, done) {
      calls.push(`write ${position} ${data.length}`);
      const fail = failNext;
      queueMicrotask(() => done(fail ? new Error("recording write failed: ENOSPC") : undefined, null));
    },
    end(_file, _fd, done) {
      calls.push("end");
      queueMicrotask(done);
    },
  };
  const rec = await WavRecorder.open(bridge, join(tmp(t), "r.wav"), sink);
  const failures: Error[] = [];
  rec.on("failed", (e: Error) => failures.push(e));
  failNext = true;
  for (let i = 0; i < 25; i++) bridge.tick(); // 500 ms: one audio write, which fails
  await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 75; i++) bridge.tick(); // more audio and header rewrites: none attempted
  await t.throwsAsync(rec.close(), { message: /ENOSPC/ });
  t.is(failures.length, 1);
  t.deepEqual(calls, ["write 0 44", "write 44 16000", "end"]);
});
