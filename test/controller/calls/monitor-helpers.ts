/**
 * Helpers for the monitoring tests: a called party that accepts, a tone sent into a call, and
 * a listener that records what a call's far end sent us (what that side "hears").
 */
import path from "node:path";
import type { Call } from "../../../telephony/api.ts";
import type { YardlineEndpoint } from "../../../telephony/ua/endpoint.ts";
import { presenceRatio, readWav } from "../../support/audio.ts";
import type { Harness } from "./harness.ts";

export const national = (e164: string) => e164.slice(2);

/** The called party answers every call and presses `key` once the acceptance menu has been heard. */
export function answerAndPress(h: Harness, key: string): { call(): Call | undefined } {
  let current: Call | undefined;
  h.trunk.account.on("incomingCall", (call) => {
    current = call;
    void call.answer({ statusCode: 180 }).then(() => call.answer());
  });
  h.svc.bus.on("call.awaitingAcceptance", () => void current?.dialDtmf(key));
  return { call: () => current };
}

/** Sends a continuous tone of `freq` into `call` until stopped. */
export function sendTone(ep: YardlineEndpoint, call: Call, freq: number): () => void {
  const tone = ep.createToneGenerator();
  tone.startTransmit(call.getAudioMedia()!);
  tone.play([{ freq1: freq, onMs: 1000, offMs: 0, levelDbm0: -12 }], true);
  return () => tone.destroy();
}

/** Records what `call` receives; `stop()` returns the seconds each asked frequency was present. */
export async function listen(
  ep: YardlineEndpoint,
  call: Call,
  dir: string,
  name: string,
): Promise<{ stop(): Promise<(freq: number) => number> }> {
  const file = path.join(dir, `${name}-${Date.now()}.wav`);
  const rec = await ep.createRecorder(file);
  const port = call.getAudioMedia()!;
  port.startTransmit(rec.left);
  return {
    async stop() {
      port.stopTransmit(rec.left);
      await rec.close();
      const samples = readWav(file).channel(0);
      return (freq: number) => (presenceRatio(samples, freq) * samples.length) / 8000;
    },
  };
}
