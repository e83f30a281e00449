/**
 * A peer that vanishes mid-call: SIPp or baresip killed with SIGKILL (its RTP port closes, the
 * kernel answers our RTP with ICMP port unreachable) or frozen with SIGSTOP (its socket stays,
 * RTP just stops: the RTP timeout). Either way the Yardline call ends with a reason, a BYE is
 * attempted, and the endpoint keeps working: it places a fresh call afterwards.
 */
import { join } from "node:path";
import test from "ava";
import type { AudioMedia, Call } from "../../../telephony/api.ts";
import { sine, writeWav } from "../../support/audio.ts";
import { startBaresip } from "../../support/baresip.ts";
import { loopbackArgs, startSippOnFreePorts } from "../../support/sipp.ts";
import {
  delay,
  loopbackEndpoint,
  peerPort,
  sippPorts,
  tempDir,
  until,
  waitState,
  waitUdpBound,
} from "../ua/helpers.ts";

const RTP_TIMEOUT_MS = 2000;

/** Keeps audio flowing from us to the call (so a closed peer port draws ICMP). */
function sendTone(ep: Awaited<ReturnType<typeof loopbackEndpoint>>["ep"], call: Call): () => void {
  const tone = ep.createToneGenerator();
  tone.play([{ freq1: 440, onMs: 1000, offMs: 0 }], true);
  tone.startTransmit(call.getAudioMedia() as AudioMedia);
  return () => tone.destroy();
}

/** The endpoint still places and completes a call after the loss. */
async function stillWorks(
  t: { true(v: boolean, m?: string): void },
  ep: Awaited<ReturnType<typeof loopbackEndpoint>>["ep"],
) {
  const other = await loopbackEndpoint();
  try {
    const acc = other.ep.accountCreate({ idUri: "sip:other@127.0.0.1" });
    acc.on("incomingCall", (c) => void c.answer());
    const mine = ep.accountCreate({ idUri: "sip:after@127.0.0.1" });
    const call = mine.makeCall(`sip:other@127.0.0.1:${other.port}`);
    await waitState(call, "CONFIRMED");
    await call.hangup();
    t.true(call.getInfo().state === "DISCONNECTED", "a later call still works");
  } finally {
    await other.ep.libDestroy();
  }
}

test("SIPp killed with SIGKILL mid-call: the call ends on ICMP unreachable or RTP timeout, and the endpoint lives on", async (t) => {
  const { ep } = await loopbackEndpoint({ rtpTimeoutMs: RTP_TIMEOUT_MS });
  t.teardown(() => ep.libDestroy());
  const acc = ep.accountCreate({ idUri: "sip:station-5@127.0.0.1" });
  const {
    run: sipp,
    ports: { sip: sippPort },
  } = await startSippOnFreePorts(sippPorts, (p) => ({
    args: ["-sn", "uas", ...loopbackArgs(p)].concat(["-rtp_echo", "-m", "1", "-timeout", "30s"]),
  }));
  t.teardown(() => sipp.stop());
  await waitUdpBound(sippPort);
  const call = acc.makeCall(`sip:service@127.0.0.1:${sippPort}`);
  await waitState(call, "CONFIRMED");
  const stopTone = sendTone(ep, call);
  t.teardown(stopTone);
  await delay(300);
  process.kill(sipp.pid, "SIGKILL");
  await sipp.exited;
  await waitState(call, "DISCONNECTED", 10_000);
  t.log(call.getInfo().disconnectReason);
  t.regex(call.getInfo().disconnectReason ?? "", /RTP timeout|unreachable/);
  await stillWorks(t, ep);
});

test("baresip killed with SIGKILL mid-call ends the call with a reason", async (t) => {
  const dir = tempDir("yl-vanish-");
  const audioFile = join(dir, "tone.wav");
  writeWav(audioFile, sine([600], 30_000));
  const peer = await startBaresip({
    sipPort: await peerPort(),
    ctrlPort: await peerPort(),
    rtpPort: await peerPort(10),
    audioFile,
  });
  t.teardown(() => peer.stop());
  const { ep } = await loopbackEndpoint({ rtpTimeoutMs: RTP_TIMEOUT_MS });
  t.teardown(() => ep.libDestroy());
  const acc = ep.accountCreate({ idUri: "sip:station-6@127.0.0.1" });
  const call = acc.makeCall(`sip:baresip@127.0.0.1:${peer.sipPort}`);
  await waitState(call, "CONFIRMED", 10_000);
  t.teardown(sendTone(ep, call));
  await delay(300);
  await peer.kill();
  await waitState(call, "DISCONNECTED", 10_000);
  t.log(call.getInfo().disconnectReason);
  t.regex(call.getInfo().disconnectReason ?? "", /RTP timeout|unreachable/);
  await stillWorks(t, ep);
});

test("baresip frozen with SIGSTOP (socket open, RTP stopped) ends the call with RTP timeout", async (t) => {
  const dir = tempDir("yl-freeze-");
  const audioFile = join(dir, "tone.wav");
  writeWav(audioFile, sine([600], 30_000));
  const peer = await startBaresip({
    sipPort: await peerPort(),
    ctrlPort: await peerPort(),
    rtpPort: await peerPort(10),
    audioFile,
  });
  t.teardown(() => peer.stop());
  const { ep } = await loopbackEndpoint({ rtpTimeoutMs: RTP_TIMEOUT_MS });
  t.teardown(() => ep.libDestroy());
  const acc = ep.accountCreate({ idUri: "sip:station-8@127.0.0.1" });
  const call = acc.makeCall(`sip:baresip@127.0.0.1:${peer.sipPort}`);
  await waitState(call, "CONFIRMED", 10_000);
  await until(() => (call.getRtpStats()?.packetsReceived ?? 0) > 10, 5000, "RTP from baresip");
  process.kill(peer.pid, "SIGSTOP");
  const frozenAt = Date.now();
  await waitState(call, "DISCONNECTED", 10_000);
  t.is(call.getInfo().disconnectReason, "RTP timeout");
  t.true(Date.now() - frozenAt >= RTP_TIMEOUT_MS - 500, "not before the timeout");
});
