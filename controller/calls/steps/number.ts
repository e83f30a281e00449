/**
 * Number entry and authorization. One dialling pattern at every facility (spec "Placing Calls"):
 * a 10-digit North American number, or 011 + country code + number, ended by # or by the
 * inter-digit timeout.
 */
import type { CallSession } from "../call-session.ts";
import type { AllowedCall, DeniedCall } from "../ports.ts";

/** 011 + up to 15 digits of E.164 (ITU-T E.164 §6.1: at most 15 digits). */
const MAX_DIALLED = 18;

export async function enterNumber(s: CallSession): Promise<AllowedCall | DeniedCall | undefined> {
  const { config, rules, clock } = s.deps;
  const player = s.player();
  player.startTransmit(s.handsetPort());
  let last: DeniedCall | undefined;
  for (let attempt = 1; attempt <= config.numberAttempts; attempt++) {
    await s.playToInmate(player, s.say("inmate.enter-number"));
    const { digits } = await s.guard(
      s.inmateDigits.collect({
        maxDigits: MAX_DIALLED,
        terminator: "#",
        firstDigitTimeoutMs: config.firstDigitTimeoutMs,
        interDigitTimeoutMs: config.interDigitTimeoutMs,
      }),
    );
    s.inmateDigits.flush();
    if (digits.length === 0) continue;
    s.dialled = digits;
    const decision = await s.guard(rules.authorize(s.station, s.caller!, digits, clock.now()));
    if (decision.allowed) return decision;
    last = decision;
    // An invalid number may be re-entered; a number that is not allowed ends the call.
    if (decision.rule !== "number-invalid") return decision;
    if (attempt < config.numberAttempts) await s.play(player, s.say(decision.promptId));
  }
  return last;
}
