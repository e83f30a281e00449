/**
 * The connected call: both parties bridged (and recorded unless privileged), a beep to the
 * called party every N seconds, branding overlays at random intervals, warnings to the inmate
 * 60 and 30 s before the limit, then termination. Extra digits and hook flashes are reported
 * and, by configuration, end the call.
 */
import type { DtmfEvent } from "../../../telephony/api.ts";
import type { CallSession } from "../call-session.ts";

export async function connect(s: CallSession): Promise<void> {
  const { config, bus, clock } = s.deps;
  const decision = s.decision!;
  const inmate = s.handsetPort();
  const called = s.trunkPort();
  inmate.startTransmit(called);
  called.startTransmit(inmate);

  if (config.beepIntervalSec > 0 && decision.record) {
    // Spec: "an audible beep tone every one (1) to twenty (20) seconds to the called party".
    const beep = s.tone();
    beep.startTransmit(called);
    s.every(config.beepIntervalSec * 1000, () => beep.play("beep", false));
  }

  const facility = config.brandingMaxSec > 0 ? await s.guard(s.facilityPrompt()) : "";
  if (config.brandingMaxSec > 0) {
    const overlay = s.player();
    overlay.startTransmit(inmate, config.brandingLevel);
    overlay.startTransmit(called, config.brandingLevel);
    const rnd = s.deps.random ?? Math.random;
    const schedule = () => {
      const span = Math.max(0, config.brandingMaxSec - config.brandingMinSec);
      const wait = (config.brandingMinSec + rnd() * span) * 1000;
      s.timer(wait, () => {
        overlay.enqueue(s.say("common.branding", { facility: [facility] }));
        schedule();
      });
    };
    schedule();
  }

  const limitMs = decision.maxDurationSec * 1000;
  const warn = s.player();
  warn.startTransmit(inmate);
  for (const before of decision.warningsBeforeEndSec) {
    if (before * 1000 >= limitMs) continue;
    s.timer(limitMs - before * 1000, () =>
      warn.enqueue(s.say(before === 30 ? "common.time-warning-30" : "common.time-warning-60")),
    );
  }
  s.timer(limitMs, () => {
    warn.stop();
    warn.startTransmit(called);
    warn.enqueue(s.say("common.call-ending"));
    s.timer(3000, () => s.end({ ending: "Time limit reached" }));
  });

  s.every(1000, () => {
    if (s.acceptedAt === undefined) return;
    const secs = Math.floor((clock.now() - s.acceptedAt) / 1000);
    const cents = s.deps.rules.price(decision, secs);
    if (cents !== s.live.chargeCents) {
      s.live.chargeCents = cents;
      bus.emit("call.updated", { ...s.live });
    }
  });
}

/** Counts digits after the call is connected; decides whether the call goes on. */
export class ExtraDigitWatch {
  private inmateCount = 0;
  private calledCount = 0;
  private readonly s: CallSession;

  constructor(s: CallSession) {
    this.s = s;
  }

  onInmateDigit(ev: DtmfEvent): void {
    const s = this.s;
    if (ev.digit === "flash") {
      s.deps.bus.emit("fraud.hookFlash", { call: { ...s.live } });
      if (s.decision?.fraudAction === "terminate")
        s.end({ ending: "Hook flash during the call (possible three-way call)" });
      return;
    }
    this.inmateCount++;
    s.deps.bus.emit("fraud.extraDigits", { call: { ...s.live }, from: "inmate", digits: ev.digit });
    this.check(this.inmateCount, "Extra digits dialled by the inmate");
  }

  onCalledDigit(ev: DtmfEvent): void {
    const s = this.s;
    this.calledCount++;
    s.deps.bus.emit("fraud.extraDigits", { call: { ...s.live }, from: "called", digits: ev.digit });
    this.check(this.calledCount, "Extra digits dialled by the called party");
  }

  private check(count: number, ending: string): void {
    const d = this.s.decision;
    if (!d || d.extraDigitLimit === undefined) return;
    if (count > d.extraDigitLimit && d.fraudAction === "terminate") this.s.end({ ending });
  }
}
