/**
 * Call processing latencies through the controller on loopback (the in-process call path of the
 * tests: real SIP, RTP, prompts and store; a handset endpoint registered as a station; a trunk
 * endpoint as the called party):
 * - off-hook (INVITE sent) to the first prompt audio heard by the handset (spec: 2 s);
 * - last digit sent to the INVITE arriving at the trunk (spec: 10 s).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { bankPassword } from "../controller/call-service.ts";
import { DEMO_NUMBERS } from "../controller/domain/seed.ts";
import { startHarness, waitState } from "../test/controller/calls/harness.ts";
import { readWav } from "../test/support/audio.ts";
import { type BenchResult, percentile } from "./harness.ts";

const CALLS = 15;

export async function run(): Promise<BenchResult[]> {
  const h = await startHarness();
  const dir = mkdtempSync(path.join(os.tmpdir(), "yl-bench-calls-"));
  const promptMs: number[] = [];
  const inviteMs: number[] = [];
  const fromReceiptMs: number[] = [];
  let inviteAt = 0;
  let hashReceivedAt = 0;
  h.trunk.account.on("incomingCall", (call) => {
    inviteAt = performance.now();
    void call.hangup({ statusCode: 486 });
  });
  try {
    const acc = h.handsetEp.accountCreate({
      idUri: "sip:demo-st-6@127.0.0.1",
      registrarUri: `sip:127.0.0.1:${h.svc.sipPort}`,
      credentials: [{ realm: "*", username: "demo-st-6", password: bankPassword("test-secret", "demo-bank-a") }],
    });
    await acc.register();
    for (let i = 0; i < CALLS; i++) {
      // Off-hook → first prompt audio: record what the handset hears and find the first sound.
      const t0 = performance.now();
      const call = acc.makeCall(`sip:controller@127.0.0.1:${h.svc.sipPort}`);
      await waitState(call, "CONFIRMED");
      const confirmedMs = performance.now() - t0;
      const file = path.join(dir, `ear-${i}.wav`);
      const rec = await h.handsetEp.createRecorder(file);
      call.getAudioMedia()!.startTransmit(rec.left);
      await new Promise((r) => setTimeout(r, 1500));
      const samples = (await rec.close(), readWav(file).channel(0));
      const first = samples.findIndex((v) => Math.abs(v) > 300);
      if (first >= 0) promptMs.push(confirmedMs + (first / 8000) * 1000);

      // Last digit → INVITE at the trunk (PIN 3333 has no approved-only list; the trunk answers busy).
      inviteAt = 0;
      hashReceivedAt = 0;
      const session = h.svc.calls.session(h.svc.calls.live().find((l) => l.stationId === "demo-st-6")?.callId ?? "");
      session?.handset.on("dtmf", (ev) => {
        if (ev.digit === "#" && session.state === "numbering") hashReceivedAt = performance.now();
      });
      await call.dialDtmf(`1${"3333"}#${DEMO_NUMBERS.family.slice(2)}`);
      const lastDigit = performance.now();
      await call.dialDtmf("#");
      const deadline = Date.now() + 10_000;
      while (inviteAt === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      if (inviteAt) inviteMs.push(inviteAt - lastDigit);
      if (inviteAt && hashReceivedAt) fromReceiptMs.push(inviteAt - hashReceivedAt);
      await call.hangup().catch(() => {});
      const idle = Date.now() + 20_000;
      while (h.svc.calls.live().length > 0 && Date.now() < idle) await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
  promptMs.sort((a, b) => a - b);
  inviteMs.sort((a, b) => a - b);
  fromReceiptMs.sort((a, b) => a - b);
  const note = `${CALLS} calls, one at a time, loopback; load average ${os.loadavg()[0]?.toFixed(1)}`;
  return [
    {
      area: "calls",
      name: "off-hook (INVITE) to first prompt audio at the handset, p99",
      value: percentile(promptMs, 99),
      unit: "ms",
      anchor: { label: "aim (spec: 2,000 ms)", value: 100, higherIsBetter: false },
      notes: `${note}; p50 ${percentile(promptMs, 50).toFixed(1)} ms; includes up to one 20 ms bridge tick and the jitter buffer`,
    },
    {
      area: "calls",
      name: "last digit to INVITE at the trunk, p99",
      value: percentile(inviteMs, 99),
      unit: "ms",
      anchor: { label: "aim (spec: 10,000 ms)", value: 50, higherIsBetter: false },
      notes: `${note}; p50 ${percentile(inviteMs, 50).toFixed(1)} ms; "last digit" is the '#' that ends the number, timed from when the handset has sent it (an RFC 4733 event is reported when it ends, so the digit's own length is inside this figure)`,
    },
    {
      area: "calls",
      name: "last digit received by the controller to INVITE at the trunk, p99",
      value: percentile(fromReceiptMs, 99),
      unit: "ms",
      anchor: { label: "aim", value: 50, higherIsBetter: false },
      notes: `${note}; p50 ${percentile(fromReceiptMs, 50).toFixed(1)} ms; authorization with usage from the store, the decision record, and the trunk INVITE`,
    },
  ];
}
