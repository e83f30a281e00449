/**
 * The firmware on a real-board description: hook, relay and LED on a GPIO character device (a
 * fake at node-libgpiod's interface), each handset's audio on ALSA through aplay/arecord. ALSA
 * is real up to alsa-lib: ALSA_CONFIG_PATH names PCMs of the `file` plugin over `null`, so the
 * earpiece is a file alsa-lib writes and the microphone a FIFO this test feeds.
 */
import { execFileSync } from "node:child_process";
import { type FileHandle, open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import type { BoardDescription } from "../../board/descriptions/types.ts";
import { BankServer } from "../../controller/banks/server.ts";
import { startFirmware } from "../../firmware/runtime.ts";
import type { Call } from "../../telephony/api.ts";
import { createEndpoint } from "../../telephony/ua/endpoint.ts";
import { frequencyPresence, readWav, sine } from "../support/audio.ts";
import { FakeGpioChips } from "../board/drivers/libgpiod-fake.ts";
import { tempDir, waitFor } from "./harness.ts";

test("a real-board handset hears dial tone and the controller on its ALSA earpiece, and its ALSA microphone reaches the controller", async (t) => {
  const dir = await tempDir(t);
  const earFile = join(dir, "earpiece.raw");
  const micFifo = join(dir, "mic.fifo");
  execFileSync("mkfifo", [micFifo]);
  const conf = join(dir, "asound.conf");
  await writeFile(
    conf,
    `pcm.handset1 { type file slave.pcm { type null } file "${earFile}" format "raw" }
pcm.handset1mic { type file slave.pcm { type null } file "${join(dir, "mic-copy.raw")}" infile "${micFifo}" format "raw" }
`,
  );
  // aplay/arecord inherit it from the firmware's process (this test file runs in its own).
  process.env.ALSA_CONFIG_PATH = conf;

  const chips = new FakeGpioChips();
  chips.addChip("gpiochip0", 8);
  const description: BoardDescription = {
    name: "alsa-rig",
    summary: "two handsets on gpiochip0 and ALSA",
    expanders: [],
    handsets: [
      {
        id: "h1",
        unit: "A",
        hook: { kind: "gpio-cdev", chip: "gpiochip0", offset: 0 },
        dial: "dtmf-keypad",
        lineRelay: { kind: "gpio-cdev", chip: "gpiochip0", offset: 2 },
        statusLed: { kind: "gpio-cdev", chip: "gpiochip0", offset: 3 },
        audio: { kind: "alsa", device: "handset1", captureDevice: "handset1mic" },
      },
      {
        id: "h2",
        unit: "A",
        hook: { kind: "gpio-cdev", chip: "gpiochip0", offset: 1 },
        dial: "dtmf-keypad",
        lineRelay: { kind: "gpio-cdev", chip: "gpiochip0", offset: 4 },
        statusLed: { kind: "gpio-cdev", chip: "gpiochip0", offset: 5 },
        audio: { kind: "alsa", device: "plughw:CARD=NoSuchHandset,DEV=0" },
      },
    ],
    killSwitches: [],
    panel: [],
  };

  const ctl = createEndpoint();
  t.teardown(() => ctl.libDestroy());
  const sipPort = (await ctl.transportCreate("udp", { host: "127.0.0.1", port: 0 })).port;
  const ringdown = ctl.accountCreate({ idUri: "sip:ringdown@127.0.0.1" });
  const incoming: Call[] = [];
  const heardFile = join(dir, "controller-heard.wav");
  const heard = await ctl.createRecorder(heardFile);
  ringdown.on("incomingCall", (call) => {
    incoming.push(call);
    call.on("media", (m) => {
      const prompt = ctl.createToneGenerator();
      prompt.play([{ freq1: 1000, onMs: 60_000, offMs: 0, levelDbm0: -10 }], true);
      prompt.startTransmit(m);
      m.startTransmit(heard.left);
    });
    setTimeout(() => void call.answer().catch(() => undefined), 400);
  });
  const banks = new BankServer();
  const linkPort = await banks.listen(0);
  t.teardown(() => banks.close());

  // alsa-lib's open of the microphone's infile FIFO waits for a writer, ours for the reader.
  const micOpen = open(micFifo, "w");
  const rt = await startFirmware({
    board: "alsa-rig",
    boardDescription: description,
    boardOptions: { gpioCdev: { binding: chips.binding(), pollMs: 5 } },
    boardId: "bank-alsa",
    journalFile: join(dir, "journal.json"),
    controllerUrl: `ws://127.0.0.1:${linkPort}`,
    sip: { controller: `127.0.0.1:${sipPort}`, register: false },
  });
  let stopped = false;
  let mic: FileHandle | undefined;
  t.teardown(async () => {
    if (!stopped) await rt.stop();
    await mic?.close().catch(() => undefined);
  });

  // h2's device does not exist: a board fault, and its line is out of service (tried again later).
  t.true(rt.soundDevices.get("h1")?.isOpened());
  t.false(rt.soundDevices.get("h2")?.isOpened());
  t.true(rt.handsetAudio.get("h1")?.available);
  t.false(rt.handsetAudio.get("h2")?.available);
  const faults = rt.io.faults();
  t.true(
    faults.some((f) => /handset h2 audio: plughw:CARD=NoSuchHandset,DEV=0: ALSA playback device not opened/.test(f)),
    faults.join("\n"),
  );

  mic = await micOpen;
  await waitFor(() => rt.daemon.serviceAvailable, "link");
  // ... and the controller hears of that fault over the link, like any hardware fault.
  await waitFor(
    () => (banks.state("bank-alsa")?.faults ?? []).some((f) => f.startsWith("handset h2 audio:")),
    "h2's audio fault at the controller",
  );
  // A lift of h2 places no call nobody could hear.
  chips.setPhysical("gpiochip0", 1, 1);
  await waitFor(() => rt.daemon.handsets.get("h2")?.state === "lockout", "h2 refused");
  chips.setPhysical("gpiochip0", 1, 0);
  chips.setPhysical("gpiochip0", 0, 1); // lift h1
  await waitFor(() => incoming.length === 1, "the ringdown call");
  t.regex(incoming[0]?.getInfo().remoteUri ?? "", /bank-alsa-h1@/, "the one call is h1's, none from h2");
  // The inmate speaks: 600 Hz, 100 ms at a time, at the pace a microphone gives it.
  const speech = Buffer.from(sine([600], 100, { levelDbm0: -10 }).buffer);
  let speaking = true;
  const talk = (async () => {
    while (speaking) {
      await mic?.write(speech);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await waitFor(() => rt.daemon.handsets.get("h1")?.state === "dialling", "controller audio", 15_000);
  await new Promise((r) => setTimeout(r, 1500));
  speaking = false;
  await talk;
  chips.setPhysical("gpiochip0", 0, 0); // hang up
  await waitFor(() => incoming[0]?.getInfo().state === "DISCONNECTED", "BYE at the controller", 15_000);
  t.true(rt.soundDevices.get("h1")?.isOpened());
  stopped = true;
  await rt.stop();
  await heard.close();

  const raw = await readFile(earFile);
  const ear = new Int16Array(raw.buffer, raw.byteOffset, raw.length >> 1);
  const dial = frequencyPresence(ear, 350).map((p, i) => p && frequencyPresence(ear, 440)[i]);
  const prompt = frequencyPresence(ear, 1000);
  t.true(dial.filter(Boolean).length >= 4, "local dial tone on the ALSA earpiece");
  t.true(prompt.filter(Boolean).length >= 10, "the controller's audio on the ALSA earpiece");
  t.true(prompt.indexOf(true) > dial.indexOf(true), "after the dial tone");
  const atController = readWav(heardFile).channel(0);
  t.true(
    frequencyPresence(atController, 600).filter(Boolean).length >= 10,
    "the ALSA microphone heard at the controller",
  );
});
