/**
 * The called party's side: who is calling, from where, that the call is recorded, the provider,
 * the rate, that hanging up now is free and how to hear the total cost (47 CFR 64.710), then
 * accept / decline / block (with confirmation) / hear the cost.
 *
 * No cut-through (spec "RECORDING": "cut-through is defined as the ability to interrupt and bypass
 * a voice prompt playback when a touchtone key is pressed"): digits pressed while the
 * announcement plays are discarded, so the disclosure is always heard whole. Silence repeats the
 * announcement (spec "Call Answer Notification") up to a set number of plays. Billing starts only
 * at acceptance; hanging up before is free.
 */
import type { CallSession } from "../call-session.ts";

export type AcceptanceOutcome =
  | { accepted: true; how: string }
  | { accepted: false; how: string; ending: string; inmatePrompt: string };

export async function runAcceptance(s: CallSession): Promise<AcceptanceOutcome> {
  const { config, rules, prompts } = s.deps;
  const decision = s.decision!;
  const lang = s.language;
  const key = (k: string) => prompts.sayKey(k, lang);

  const toInmate = s.player();
  toInmate.startTransmit(s.handsetPort());
  toInmate.enqueue(s.say("inmate.waiting-for-acceptance"));

  const toCalled = s.player();
  toCalled.startTransmit(s.trunkPort());
  // The inmate may follow call progress (spec "Call Acceptance") at a lower level, and hears
  // only our announcement, never the called party.
  toCalled.startTransmit(s.handsetPort(), config.progressLevel);

  const facility = await s.guard(s.facilityPrompt(lang));
  const provider = await s.guard(prompts.customPrompt("provider-name", s.deps.providerName, lang));
  const name = s.caller?.recordedNameFile ? [s.caller.recordedNameFile] : [facility];
  const who = s.say("called.collect-call-from", { name, facility: [facility] });
  const announcement = [
    ...who,
    ...s.say("called.provider", { provider: [provider] }),
    ...(decision.record ? s.say("called.recording-notice") : []),
    ...s.say("called.rate", { rate: prompts.sayAmount(Math.round(decision.rate.perMinuteMills / 10), lang) }),
    ...s.say("called.hang-up-free"),
  ];
  const maxMinutes = Math.max(1, Math.floor(decision.maxDurationSec / 60));
  const totalCost = s.say("called.total-cost", {
    minutes: prompts.sayMinutes(maxMinutes, lang),
    amount: prompts.sayAmount(rules.price(decision, maxMinutes * 60), lang),
  });

  if (decision.passiveAcceptance) {
    await s.play(toCalled, announcement);
    return { accepted: true, how: "Passive acceptance (number configured for passive acceptance)" };
  }

  const menu = [
    ...s.say("called.accept-options", { acceptKey: key(config.acceptDigit), declineKey: key(config.declineDigit) }),
    ...(config.offerBlock ? s.say("called.block-option", { blockKey: key(config.blockDigit) }) : []),
    ...s.say("called.cost-option", { costKey: key(config.costDigit) }),
  ];

  for (let play = 1; play <= config.acceptancePromptPlays; play++) {
    await s.play(toCalled, play === 1 ? [...announcement, ...menu] : [...who, ...menu]);
    s.calledDigits.flush();
    s.deps.bus.emit("call.awaitingAcceptance", { callId: s.id, play });
    for (;;) {
      const d = await s.guard(s.calledDigits.next(config.responseTimeoutSec * 1000));
      if (d === undefined) break; // silence: repeat the announcement
      const how = `pressed ${d} (${s.lastCalledDtmfMethod ?? "keypad"})`;
      if (d === config.acceptDigit) {
        s.acceptDigitAt = s.deps.clock.now();
        await s.play(toCalled, s.say("called.accepted"));
        return { accepted: true, how: `Accepted by the called party: ${how}` };
      }
      if (d === config.declineDigit) {
        await s.play(toCalled, s.say("called.declined"));
        return {
          accepted: false,
          how: `Declined by the called party: ${how}`,
          ending: "Declined by the called party",
          inmatePrompt: "inmate.call-declined",
        };
      }
      if (config.offerBlock && d === config.blockDigit) {
        await s.play(toCalled, s.say("called.block-confirm-request", { blockKey: key(config.blockDigit) }));
        s.calledDigits.flush();
        const again = await s.guard(s.calledDigits.next(config.responseTimeoutSec * 1000));
        if (again === config.blockDigit) {
          await s.guard(rules.blockByCalledParty(s.station, decision.destination, s.caller!));
          await s.play(toCalled, s.say("called.blocked-confirmation"));
          return {
            accepted: false,
            how: `Blocked by the called party: ${how}, confirmed; future calls from this facility to this number are blocked`,
            ending: "Called party blocked calls from this facility",
            inmatePrompt: "inmate.call-declined",
          };
        }
        await s.play(toCalled, menu);
      } else if (d === config.costDigit) {
        await s.play(toCalled, [...totalCost, ...menu]);
      } else {
        await s.play(toCalled, [...s.say("called.invalid-choice"), ...menu]);
      }
      s.calledDigits.flush();
    }
  }
  await s.play(toCalled, s.say("called.no-response"));
  return {
    accepted: false,
    how: "No response from the called party",
    ending: "No response from the called party",
    inmatePrompt: "inmate.no-answer",
  };
}
