/**
 * Runs one call session through its steps. Which failures are fatal to the call: anything that
 * throws out of a step ends that call with "System error" in its record and a `flow.error` event;
 * it never touches another call (each session is its own promise chain).
 */
import type { DtmfEvent } from "../../telephony/api.ts";
import { CallEnded, type CallSession } from "./call-session.ts";
import { type AcceptanceOutcome, runAcceptance } from "./steps/acceptance.ts";
import { ExtraDigitWatch, connect } from "./steps/connected.ts";
import { dialTrunk } from "./steps/dial.ts";
import { chooseLanguage, identify, recordName } from "./steps/identify.ts";
import { enterNumber } from "./steps/number.ts";

export async function runCall(s: CallSession): Promise<void> {
  const { bus, records, rules, clock } = s.deps;
  const watch = new ExtraDigitWatch(s);
  let step = "answer";
  s.handset.on("state", (state) => {
    if (state === "DISCONNECTED") {
      s.end(
        s.acceptedAt !== undefined
          ? { ending: "Inmate hung up" }
          : { ending: "Inmate hung up before the call was connected", notCompletedReason: "Inmate hung up" },
      );
    }
  });
  s.handset.on("dtmf", (ev: DtmfEvent) => {
    if (s.state === "connected") watch.onInmateDigit(ev);
    else if (ev.digit !== "flash") s.inmateDigits.push(ev.digit);
  });

  try {
    await records.begin({ callId: s.id, station: s.station, startedAt: s.live.startedAt });
    bus.emit("call.started", { ...s.live });
    await s.guard(s.handset.answer());
    await waitForMedia(s);

    const closed = rules.stationEnabled(s.station, clock.now());
    if (closed) {
      await deny(s, "inmate.denied-phone-disabled", closed.en);
      return;
    }
    if (s.deps.config.recordFromOffHook) await s.startRecording();

    step = "identify";
    s.transition("identifying");
    s.language = await chooseLanguage(s);
    const caller = await identify(s);
    if (!caller) {
      await deny(s, "inmate.pin-locked", "PIN not recognised");
      return;
    }
    s.caller = caller;
    s.language = s.deps.config.languageChoice ? s.language : caller.language;
    s.live.inmateId = caller.inmateId;
    s.live.inmateName = caller.name;
    if (!caller.recordedNameFile) caller.recordedNameFile = await recordName(s, caller);

    step = "number";
    s.transition("numbering");
    const decision = await enterNumber(s);
    if (decision) await records.decided(s.id, decision, s.dialled, caller);
    if (!decision) {
      await deny(s, "common.no-entry", "No number entered");
      return;
    }
    if (!decision.allowed) {
      s.live.denialReason = decision.reason.en;
      bus.emit("call.denied", { call: { ...s.live }, reason: decision.reason, rule: decision.rule });
      await deny(s, decision.promptId, decision.reason.en);
      return;
    }
    s.decision = decision;
    s.live.numberCalled = decision.destination;
    s.live.destinationName = decision.destinationName;
    s.live.callType = decision.callType;
    s.live.monitorable = decision.monitorable;
    s.live.hotNumber = decision.hotNumber !== undefined;
    if (!decision.record) await s.destroyRecording();
    if (decision.hotNumber) {
      bus.emit("hotnumber.dialled", {
        call: { ...s.live },
        number: decision.destination,
        note: decision.hotNumber.note,
      });
    }

    step = "dial";
    s.transition("dialling");
    // The trunk is dialled while "please wait" plays (spec: at most 10 s from the last digit to
    // the carrier; the prompt must not add its length to that).
    const player = s.player();
    player.startTransmit(s.handsetPort());
    const pleaseWait = s.play(player, s.say("inmate.connecting")).catch(() => {});
    const dialled = await dialTrunk(s, pleaseWait);
    if (!dialled.answered) {
      await tellInmate(s, dialled.promptId, dialled.tone);
      s.end({ ending: dialled.ending, notCompletedReason: dialled.ending });
      return;
    }
    s.answeredAt = clock.now();
    await records.answered(s.id, s.answeredAt);
    wireTrunk(s, watch);

    step = "acceptance";
    s.transition("announcing");
    await waitForTrunkMedia(s);
    if (decision.record) s.recordTrunk();
    const outcome: AcceptanceOutcome = await runAcceptance(s);
    s.acceptanceHow = outcome.how;
    if (!outcome.accepted) {
      await tellInmate(s, outcome.inmatePrompt);
      s.end({ ending: outcome.ending, notCompletedReason: outcome.ending });
      return;
    }

    step = "connected";
    s.acceptedAt = clock.now();
    s.live.acceptedAt = s.acceptedAt;
    await records.accepted(s.id, s.acceptedAt, outcome.how);
    s.transition("connected");
    if (!s.deps.config.recordFromOffHook && decision.record) {
      await s.startRecording();
      s.recordTrunk();
    }
    const accepted = s.player();
    accepted.startTransmit(s.handsetPort());
    accepted.enqueue(s.say("inmate.call-accepted"));
    await connect(s);
    if (decision.hotNumber) {
      bus.emit("hotnumber.connected", {
        call: { ...s.live },
        number: decision.destination,
        note: decision.hotNumber.note,
      });
    }
    await s.untilEnded();
  } catch (err) {
    if (!(err instanceof CallEnded)) {
      bus.emit("flow.error", {
        callId: s.id,
        step,
        error: err instanceof Error ? err.message : String(err),
        fatal: true,
      });
      s.end({ ending: `System error during ${step}`, notCompletedReason: `System error during ${step}` });
    }
  } finally {
    await s.finish();
  }
}

function wireTrunk(s: CallSession, watch: ExtraDigitWatch): void {
  const trunk = s.trunkCall!;
  trunk.on("state", (state, info) => {
    if (state !== "DISCONNECTED") return;
    // A BYE is the called party hanging up; anything else (RTP timeout, unreachable) is the leg lost.
    const hungUp = !info.disconnectReason || info.disconnectReason === "BYE from remote";
    const who = hungUp ? "Called party hung up" : `Connection to the called party lost (${info.disconnectReason})`;
    s.end(
      s.acceptedAt !== undefined
        ? { ending: who }
        : { ending: `${who} before accepting`, notCompletedReason: `${who} before accepting` },
    );
  });
  trunk.on("dtmf", (ev: DtmfEvent) => {
    s.lastCalledDtmfMethod = ev.method === "rfc4733" ? "RFC 4733" : ev.method === "info" ? "SIP INFO" : "in-band tone";
    // Digits after the accept key (while "thank you, go ahead" plays, and on) are extra digits.
    if (s.state === "connected" || s.acceptDigitAt !== undefined) watch.onCalledDigit(ev);
    else s.calledDigits.push(ev.digit);
  });
}

/** Plays a prompt (and optionally a tone first) to the inmate, then the call ends. */
async function tellInmate(s: CallSession, promptId: string, tone?: "busy" | "reorder" | "sit"): Promise<void> {
  try {
    if (tone) {
      const t = s.tone();
      t.startTransmit(s.handsetPort());
      t.play(tone, true);
      await s.sleep(tone === "sit" ? 1000 : 3000);
      t.stop();
    }
    const p = s.player();
    p.startTransmit(s.handsetPort());
    await s.play(p, [...s.say(promptId), ...s.say("common.goodbye")]);
  } catch (err) {
    if (!(err instanceof CallEnded)) throw err;
  }
}

async function deny(s: CallSession, promptId: string, reason: string): Promise<void> {
  s.live.denialReason = reason;
  await tellInmate(s, promptId);
  s.end({ ending: `Call not placed: ${reason}`, notCompletedReason: reason });
}

async function waitForMedia(s: CallSession): Promise<void> {
  if (s.handset.getAudioMedia()) return;
  await s.guard(
    new Promise<void>((resolve) => {
      const on = () => {
        s.handset.off("media", on);
        resolve();
      };
      s.handset.on("media", on);
    }),
  );
}

async function waitForTrunkMedia(s: CallSession): Promise<void> {
  const call = s.trunkCall!;
  if (call.getAudioMedia()) return;
  await s.guard(
    new Promise<void>((resolve) => {
      const on = () => {
        call.off("media", on);
        resolve();
      };
      call.on("media", on);
    }),
  );
}
