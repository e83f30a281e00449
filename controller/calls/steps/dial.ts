/**
 * The trunk leg: place the call, give the inmate ringback (our own tone, never the far end's
 * early media: the voice path stays separate until acceptance), give up after the maximum ring
 * time (spec: one minute by default, adjustable), and tell the inmate why a call did not go
 * through (spec "Call Process Notification": busy tones or messages).
 */
import type { CallInfo, CallState } from "../../../telephony/api.ts";
import type { CallSession } from "../call-session.ts";

export type DialOutcome =
  | { answered: true }
  | { answered: false; ending: string; promptId: string; tone?: "busy" | "reorder" | "sit" };

/** Places the trunk leg at once; the inmate's ringback starts when `promptDone` has played. */
export async function dialTrunk(s: CallSession, promptDone: Promise<void> = Promise.resolve()): Promise<DialOutcome> {
  const { trunk, config } = s.deps;
  const decision = s.decision!;
  const ringback = s.tone();
  ringback.startTransmit(s.handsetPort());
  let ringing = true;
  void promptDone.then(() => {
    if (ringing && !s.ended) ringback.play("ringback", true);
  });
  const call = trunk.account.makeCall(trunk.uriFor(decision.destination));
  s.trunkCall = call;
  const outcome = await s
    .guard(
      new Promise<DialOutcome>((resolve) => {
        let settled = false;
        const settle = (o: DialOutcome) => {
          if (settled) return;
          settled = true;
          call.off("state", onState);
          s.deps.clock.clearTimeout(ringTimer);
          resolve(o);
        };
        const onState = (state: CallState, info: CallInfo) => {
          if (state === "CONFIRMED") settle({ answered: true });
          else if (state === "DISCONNECTED") settle(failure(info.lastStatusCode, info.lastReason));
        };
        call.on("state", onState);
        const ringTimer = s.timer(config.ringTimeoutSec * 1000, () => {
          // Settle first: the CANCEL's own 487 must not be taken for the far end's answer.
          settle({ answered: false, ending: "No answer", promptId: "inmate.no-answer" });
          void call.hangup().catch(() => {});
        });
      }),
    )
    .finally(() => {
      ringing = false;
      ringback.stop();
    });
  return outcome;
}

/** Maps the trunk's final answer to what the inmate hears and the record says. */
export function failure(code: number, reason: string): DialOutcome {
  const detail = code ? ` (SIP ${code}${reason ? ` ${reason}` : ""})` : "";
  if (code === 486 || code === 600)
    return { answered: false, ending: `Busy${detail}`, promptId: "inmate.busy", tone: "busy" };
  if (code === 408 || code === 480 || code === 487) {
    return { answered: false, ending: `No answer${detail}`, promptId: "inmate.no-answer" };
  }
  if (code === 603)
    return { answered: false, ending: `Call refused by the called party${detail}`, promptId: "inmate.no-answer" };
  if (code === 404 || code === 484 || code === 604 || code === 410) {
    return {
      answered: false,
      ending: `Number not in service${detail}`,
      promptId: "inmate.number-invalid",
      tone: "sit",
    };
  }
  return {
    answered: false,
    ending: `The call could not be completed${detail}`,
    promptId: "common.all-circuits-busy",
    tone: "reorder",
  };
}
