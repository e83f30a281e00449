import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import {
  EV_KEY,
  EV_SW,
  EV_SYN,
  EvdevDevice,
  type InputEvent,
  InputEventDecoder,
  packInputEvent,
} from "../../../board/drivers/evdev.ts";
import { DeviceUnavailableError } from "../../../board/drivers/interfaces.ts";

test("struct input_event is 24 bytes on 64-bit and 16 on 32-bit ARM", (t) => {
  const ev: InputEvent = { timeMs: 1_700_000_000_123.456, type: EV_KEY, code: 59, value: 1 };
  const b64 = packInputEvent(ev, 64);
  const b32 = packInputEvent(ev, 32);
  t.is(b64.length, 24);
  t.is(b32.length, 16);
  t.is(b64.readUInt16LE(16), EV_KEY);
  t.is(b64.readUInt16LE(18), 59);
  t.is(b32.readUInt16LE(8), EV_KEY);
  const [back] = new InputEventDecoder(32).push(b32);
  t.is(back?.code, 59);
  t.is(back?.value, 1);
  t.true(Math.abs((back?.timeMs ?? 0) - ev.timeMs) < 0.002);
});

test("records split across reads are reassembled", (t) => {
  const d = new InputEventDecoder(64);
  const a = packInputEvent({ timeMs: 1000, type: EV_KEY, code: 60, value: 1 });
  const b = packInputEvent({ timeMs: 1005, type: EV_SYN, code: 0, value: 0 });
  const all = Buffer.concat([a, b]);
  t.deepEqual(d.push(all.subarray(0, 10)), []);
  const got = d.push(all.subarray(10, 30));
  t.is(got.length, 1);
  t.is(d.push(all.subarray(30)).length, 1);
});

test("gpio-keys events through a FIFO become input levels", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "evdev-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const fifo = join(dir, "event0");
  execFileSync("mkfifo", [fifo]);
  const opening = EvdevDevice.open(fifo, 64);
  const writer = createWriteStream(fifo);
  await once(writer, "open");
  const dev = await opening;
  t.teardown(() => dev.close());
  const hook = dev.input(59);
  const kill = dev.input(3, EV_SW);
  const seen: string[] = [];
  hook.watch((v) => seen.push(`hook:${v}`));
  kill.watch((v) => seen.push(`kill:${v}`));
  const records = [
    { timeMs: 1000, type: EV_KEY, code: 59, value: 1 },
    { timeMs: 1000, type: EV_SYN, code: 0, value: 0 },
    { timeMs: 1100, type: EV_KEY, code: 59, value: 2 }, // autorepeat: not an edge
    { timeMs: 1200, type: EV_SW, code: 3, value: 1 },
    { timeMs: 1300, type: EV_KEY, code: 61, value: 1 }, // another handset
    { timeMs: 1400, type: EV_KEY, code: 59, value: 0 },
  ];
  const done = new Promise<void>((resolve) => {
    dev.onEvent((ev) => ev.timeMs === 1400 && resolve());
  });
  writer.write(Buffer.concat(records.map((r) => packInputEvent(r, 64))));
  await done;
  t.deepEqual(seen, ["hook:true", "kill:true", "hook:false"]);
  t.false(await hook.read());
  t.true(await kill.read());
  t.true(await dev.input(61).read());
  writer.end();
});

test("an absent event device rejects with DeviceUnavailableError naming ENOENT", async (t) => {
  const err = await t.throwsAsync(EvdevDevice.open("/dev/input/event-does-not-exist"), {
    instanceOf: DeviceUnavailableError,
  });
  t.is(err?.osCode, "ENOENT");
  t.regex(err?.message ?? "", /device absent/);
});
