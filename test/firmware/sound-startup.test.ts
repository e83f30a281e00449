/**
 * Startup of a real-board firmware whose eight handsets' sound devices do not answer: the
 * watchdog the board opened must be kicked while they are still opening, the eight are opened
 * at once (one start timeout in all, not eight), a handset comes into service when its device
 * answers on a later retry, and one whose adapter is pulled (aplay dies, restarts fail) leaves
 * service with the fault and rejoins when it is plugged back in. aplay and arecord here are
 * stand-ins on PATH (this test file runs in its own process) that answer like alsa-utils once the
 * "adapter" is plugged in.
 */
import { readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import type { BoardDescription, HandsetDescription } from "../../board/descriptions/types.ts";
import { startFirmware } from "../../firmware/runtime.ts";
import type { AlsaSoundDevice } from "../../telephony/audio-device/alsa-device.ts";
import { FakeGpioChips } from "../board/drivers/libgpiod-fake.ts";
import { tempDir, waitFor } from "./harness.ts";

async function fakeAlsaUtils(dir: string): Promise<{ plugged: string; gone: string }> {
  const plugged = join(dir, "plugged");
  const gone = join(dir, "gone");
  // Plugged: prints the setup `-v` shows, then plays stdin to nowhere / records nothing.
  // Gone: fails at once as alsa-lib does on a card that has disappeared.
  // Otherwise: hangs before configuring the PCM, as on a device that never answers.
  const body = (run: string) => `#!/bin/sh
if [ -e "${plugged}" ]; then
  echo "Plug PCM: Its setup is:" >&2
  exec ${run}
fi
if [ -e "${gone}" ]; then
  echo "ALSA lib pcm_hw.c:1829:(_snd_pcm_hw_open) Invalid value for card" >&2
  echo "$(basename "$0"): main:830: audio open error: No such device" >&2
  exit 1
fi
exec sleep 60
`;
  await writeFile(join(dir, "aplay"), body("cat >/dev/null"), { mode: 0o755 });
  await writeFile(join(dir, "arecord"), body("sleep 60"), { mode: 0o755 });
  process.env.PATH = `${dir}:${process.env.PATH}`;
  return { plugged, gone };
}

test("eight handsets' sound devices that do not answer hold up neither the watchdog nor startup, come into service when they answer, and one pulled out and back in leaves and rejoins", async (t) => {
  const dir = await tempDir(t);
  const { plugged, gone } = await fakeAlsaUtils(dir);
  const watchdogFile = join(dir, "watchdog"); // a file standing in for the device node
  await writeFile(watchdogFile, "");
  const chips = new FakeGpioChips();
  chips.addChip("gpiochip0", 24);
  const handsets: HandsetDescription[] = Array.from({ length: 8 }, (_, i) => ({
    id: `h${i + 1}`,
    unit: "A",
    hook: { kind: "gpio-cdev", chip: "gpiochip0", offset: i },
    dial: "dtmf-keypad",
    lineRelay: { kind: "gpio-cdev", chip: "gpiochip0", offset: 8 + i },
    statusLed: { kind: "gpio-cdev", chip: "gpiochip0", offset: 16 + i },
    audio: { kind: "alsa", device: `plughw:CARD=Handset${i + 1},DEV=0` },
  }));
  const description: BoardDescription = {
    name: "eight-alsa",
    summary: "eight handsets on ALSA, a watchdog",
    expanders: [],
    handsets,
    killSwitches: [],
    panel: [],
    watchdog: { kind: "dev-watchdog", device: watchdogFile, kickMs: 1000 },
  };
  const began = Date.now();
  const starting = startFirmware({
    board: "eight-alsa",
    boardDescription: description,
    boardOptions: { gpioCdev: { binding: chips.binding(), pollMs: 5 } },
    boardId: "bank-eight",
    journalFile: join(dir, "journal.json"),
    sip: { controller: "127.0.0.1:5060", register: false },
    soundRetryMs: 300,
  });
  let started = false;
  let stop: (() => Promise<void>) | undefined;
  void starting.then((rt) => {
    started = true;
    stop = () => rt.stop();
  });
  t.teardown(async () => {
    await starting.catch(() => undefined);
    await stop?.();
  });
  await waitFor(() => readFileSync(watchdogFile, "utf8").includes("k"), "the first watchdog kick", 4000);
  t.false(started, "the watchdog is kicked while the sound devices are still opening");
  const rt = await starting;
  const took = Date.now() - began;
  // Each device may take its 5 s start timeout (and 1 s kill wait); one after another that was
  // eight of them, over the watchdog's timeout.
  t.true(took < 15_000, `startFirmware returned after ${took} ms`);
  t.log(`startFirmware returned after ${took} ms with no device answering`);
  const faults = rt.io.faults();
  for (const h of handsets) {
    t.false(rt.handsetAudio.get(h.id)?.available, `${h.id} out of service`);
    t.true(
      faults.some((f) => f.startsWith(`handset ${h.id} audio: plughw:CARD=Handset`) && /no answer/.test(f)),
      `${h.id}'s fault: ${faults.join("\n")}`,
    );
  }
  await writeFile(plugged, ""); // the adapters answer now
  await waitFor(
    () => handsets.every((h) => rt.handsetAudio.get(h.id)?.available),
    "every handset back in service",
    15_000,
  );
  t.deepEqual(
    rt.io.faults().filter((f) => f.includes("audio")),
    [],
    "the faults clear",
  );
  for (const h of handsets) t.true(rt.soundDevices.get(h.id)?.isOpened());

  // h3's adapter is pulled: its aplay dies, and each restart fails, until the device gives up.
  await rm(plugged);
  await writeFile(gone, "");
  const h3 = rt.soundDevices.get("h3") as AlsaSoundDevice | undefined; // the endpoint's ALSA port
  process.kill(h3?.processIds().playback as number, "SIGKILL");
  await waitFor(() => !rt.handsetAudio.get("h3")?.available, "h3 out of service", 15_000);
  t.false(h3?.isOpened());
  t.true(
    rt.io.faults().some((f) => /^handset h3 audio: .*audio open error: No such device; gave up after 3 restarts$/.test(f)),
    rt.io.faults().join("\n"),
  );
  await waitFor(() => h3?.processIds().capture === undefined, "h3's arecord stopped too");
  t.true(handsets.filter((h) => h.id !== "h3").every((h) => rt.handsetAudio.get(h.id)?.available), "the others stay");
  await rm(gone);
  await writeFile(plugged, ""); // plugged back in
  await waitFor(() => rt.handsetAudio.get("h3")?.available === true, "h3 back in service", 15_000);
  t.deepEqual(
    rt.io.faults().filter((f) => f.includes("audio")),
    [],
  );
  t.true(h3?.isOpened());
  await rt.stop();
  stop = undefined;
  t.true(readFileSync(watchdogFile, "utf8").endsWith("V"), "a clean stop disarms the watchdog");
});
