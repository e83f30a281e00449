/**
 * The endpoint's sound devices: made on the endpoint's media bridge, and closed (their aplay and
 * arecord ended) by libDestroy. ALSA as in alsa-device.test.ts (alsa-conf.ts), set through this
 * test process's environment, which aplay/arecord inherit.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import type { AlsaSoundDevice } from "../../../telephony/audio-device/alsa-device.ts";
import { createEndpoint } from "../../../telephony/ua/endpoint.ts";
import { until } from "../ua/helpers.ts";
import { alsaTestConfig } from "./alsa-conf.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("a sound device made by the endpoint plays the bridge's audio and libDestroy ends its processes", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "ep-sound-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const played = join(dir, "played.raw");
  const conf = join(dir, "asound.conf");
  await writeFile(conf, alsaTestConfig({ played }));
  const saved = process.env.ALSA_CONFIG_PATH;
  process.env.ALSA_CONFIG_PATH = conf;
  t.teardown(() => {
    if (saved === undefined) delete process.env.ALSA_CONFIG_PATH;
    else process.env.ALSA_CONFIG_PATH = saved;
  });
  const ep = createEndpoint();
  t.teardown(() => ep.libDestroy());
  const dev = ep.createExtraAudioDevice({ playbackDevice: "earpiece", captureDevice: "quietmic" });
  await dev.open();
  const tone = ep.createToneGenerator();
  tone.play([{ freq1: 1000, onMs: 10_000, offMs: 0 }]);
  tone.startTransmit(dev);
  const pids = (dev as AlsaSoundDevice).processIds();
  t.truthy(pids.playback);
  t.truthy(pids.capture);
  // The engine's own 20 ms tick carries the tone to aplay.
  await until(() => dev.stats().framesPlayed >= 10, 10_000, "ten frames played");
  await ep.libDestroy();
  t.false(dev.isOpened());
  t.false(alive(pids.playback as number), "aplay ended");
  t.false(alive(pids.capture as number), "arecord ended");
  t.true((await readFile(played)).length >= 10 * 320, "what aplay was given reached alsa-lib");
  t.throws(() => ep.createExtraAudioDevice({ playbackDevice: "earpiece" }), { message: /endpoint destroyed/ });
});
