/**
 * Language choice, PIN, and (first use) the inmate's recorded name.
 * Spec: "The IWTS must prompt the inmate/ward to state his or her name prior to call initiation
 * and include the caller's name in the called party's announcement."
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { decodeWavPcm16, encodeWavPcm16 } from "../../../telephony/media/wav.ts";
import type { CallSession } from "../call-session.ts";
import type { CallerIdentity, Language } from "../ports.ts";

export async function chooseLanguage(s: CallSession): Promise<Language> {
  const { config, prompts } = s.deps;
  const player = s.player();
  player.startTransmit(s.handsetPort());
  const facility = await s.guard(s.facilityPrompt(config.defaultLanguage));
  const files = s.say("inmate.welcome", { facility: [facility] }, config.defaultLanguage);
  if (config.languageChoice) {
    // "For English, press 1. Para español, oprima 2." — each half in its own language.
    files.push(...s.say("inmate.language-choice", { key: prompts.sayKey("1", "en") }, "en"));
    files.push(...s.say("inmate.language-choice", { key: prompts.sayKey("2", "es") }, "es"));
  }
  await s.playToInmate(player, files);
  if (!config.languageChoice) return config.defaultLanguage;
  const d = await s.guard(s.inmateDigits.next(config.languageTimeoutMs));
  if (d === "1") return "en";
  if (d === "2") return "es";
  return config.defaultLanguage;
}

export async function identify(s: CallSession): Promise<CallerIdentity | undefined> {
  const { config, rules } = s.deps;
  const player = s.player();
  player.startTransmit(s.handsetPort());
  for (let attempt = 1; attempt <= config.pinAttempts; attempt++) {
    await s.playToInmate(player, s.say("inmate.enter-pin"));
    const { digits } = await s.guard(
      s.inmateDigits.collect({
        maxDigits: config.pinMaxDigits,
        terminator: "#",
        firstDigitTimeoutMs: config.firstDigitTimeoutMs,
        interDigitTimeoutMs: config.interDigitTimeoutMs,
      }),
    );
    if (digits.length > 0) {
      const caller = await s.guard(rules.identify(s.station, digits));
      if (caller) return caller;
    }
    s.inmateDigits.flush();
    if (attempt < config.pinAttempts) {
      await s.play(player, s.say(digits.length > 0 ? "inmate.pin-invalid" : "common.no-entry"));
    }
  }
  return undefined;
}

/** First use: record the inmate's name after a beep (ended by # or the time limit). */
export async function recordName(s: CallSession, caller: CallerIdentity): Promise<string> {
  const { config, media, vault, rules } = s.deps;
  const player = s.player();
  player.startTransmit(s.handsetPort());
  await s.play(player, s.say("inmate.record-name"));
  const beep = s.tone();
  beep.startTransmit(s.handsetPort());
  beep.play("beep", false);
  await s.sleep(500);
  beep.stop();
  s.inmateDigits.flush();
  const file = vault.namePathFor(caller.inmateId);
  const rec = await media.createRecorder(file);
  s.handsetPort().startTransmit(rec.left);
  try {
    // Only # ends the recording early ("then press the pound key"); other keys are not part of a name.
    const until = s.deps.clock.now() + config.nameRecordSec * 1000;
    for (;;) {
      const left = until - s.deps.clock.now();
      if (left <= 0) break;
      const d = await s.guard(s.inmateDigits.next(left));
      if (d === undefined || d === "#") break;
    }
  } finally {
    s.handset.getAudioMedia()?.stopTransmit(rec.left);
    await rec.close();
  }
  await keepLeftChannel(file);
  await rules.saveRecordedName(caller.inmateId, file);
  await s.play(player, s.say("inmate.name-saved"));
  return file;
}

/** The recorder writes stereo; a recorded name is played as a prompt, which is mono. */
async function keepLeftChannel(file: string): Promise<void> {
  const { info, samples } = decodeWavPcm16(await readFile(file), file);
  if (info.channels === 1) return;
  const mono = new Int16Array(Math.floor(samples.length / info.channels));
  for (let i = 0; i < mono.length; i++) mono[i] = samples[i * info.channels] as number;
  const tmp = `${file}.mono`;
  await writeFile(tmp, encodeWavPcm16(mono, 1, info.sampleRate));
  await rename(tmp, file);
}
