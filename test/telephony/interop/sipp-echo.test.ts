/**
 * Yardline calls SIPp's built-in UAS with `-rtp_echo`: the 1 kHz tone we send comes back in
 * what we receive, recorded by Yardline's own recorder.
 */
import { join } from "node:path";
import test from "ava";
import type { AudioMedia } from "../../../telephony/api.ts";
import { fileHasFrequency, readWav, toneLevelDbm0 } from "../../support/audio.ts";
import { loopbackArgs, startSippOnFreePorts } from "../../support/sipp.ts";
import { delay, loopbackEndpoint, sippPorts, tempDir, waitState, waitUdpBound } from "../ua/helpers.ts";

test("Yardline calling `sipp -sn uas -rtp_echo` hears its own 1 kHz tone echoed back", async (t) => {
  const { ep } = await loopbackEndpoint();
  t.teardown(() => ep.libDestroy());
  const acc = ep.accountCreate({ idUri: "sip:station-3@127.0.0.1" });
  const {
    run: sipp,
    ports: { sip: sippPort },
  } = await startSippOnFreePorts(sippPorts, (p) => ({
    args: ["-sn", "uas", ...loopbackArgs(p), "-rtp_echo", "-m", "1", "-timeout", "20s"],
  }));
  t.teardown(() => sipp.stop());
  await waitUdpBound(sippPort);
  const call = acc.makeCall(`sip:service@127.0.0.1:${sippPort}`);
  await waitState(call, "CONFIRMED");
  const audio = call.getAudioMedia() as AudioMedia;
  const dir = tempDir("yl-echo-");
  const file = join(dir, "echo.wav");
  const rec = await ep.createRecorder(file);
  audio.startTransmit(rec.right);
  const tone = ep.createToneGenerator();
  tone.play([{ freq1: 1000, onMs: 1000, offMs: 0 }], true);
  tone.startTransmit(audio);
  await delay(1500);
  await rec.close();
  tone.destroy();
  await call.hangup();
  const result = await sipp.exited;
  t.is(result.code, 0, result.stdout.slice(-1500) + result.stderr);
  // The echo arrives after a round trip: most of the recording holds the tone, and a
  // frequency we never sent is absent.
  t.true(fileHasFrequency(file, 1000, { channel: 1, minRatio: 0.5 }));
  t.false(fileHasFrequency(file, 1633, { channel: 1, minRatio: 0.1 }));
  const right = readWav(file).channel(1);
  t.true(toneLevelDbm0(right, 1000, right.length - 4000, 4000) > -30);
});
