/**
 * Text to telephone audio: espeak-ng speaks the text, sox converts it to what a G.711 leg
 * carries (8 kHz, mono, 16-bit linear PCM; the media engine encodes to PCMU/PCMA on the fly).
 * Runs at build or configuration time only, never while a call waits.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Lang } from "./catalogue.ts";

/** espeak-ng voices: American English and Latin American Spanish (the callers we serve). */
export const VOICES: Readonly<Record<Lang, string>> = { en: "en-us", es: "es-419" };

/**
 * espeak-ng's default 175 words per minute is hard to follow over a narrowband line;
 * 150 is the pace of a recorded IVR announcement.
 */
const WORDS_PER_MINUTE = 150;

/**
 * Everything that changes the audio besides the text. Part of the cache key, so changing a
 * setting here rebuilds every prompt.
 */
export const SYNTHESIS_SETTINGS = `espeak-ng -s ${WORDS_PER_MINUTE} | sox 8000 Hz mono s16 norm -3 | 1`;

/** Content hash naming a generated file: same text, voice and settings → same file. */
export function promptHash(text: string, lang: Lang): string {
  return createHash("sha256").update(`${VOICES[lang]}\n${SYNTHESIS_SETTINGS}\n${text}`).digest("hex").slice(0, 24);
}

export class SynthesisError extends Error {
  override readonly name = "SynthesisError";
}

function run(cmd: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return reject(new SynthesisError(`${cmd} is not installed`));
      reject(new SynthesisError(`${cmd} failed: ${String(stderr).trim() || err.message}`));
    });
    // Text goes in on stdin so nothing in it can be read as a command-line option.
    if (input !== undefined) child.stdin?.end(input);
  });
}

let tmpCounter = 0;

/**
 * Speaks `text` in `lang` into `outFile` (8 kHz mono 16-bit WAV). The file appears atomically:
 * a reader never sees half a prompt, and a crash leaves no partial file under the final name.
 */
export async function synthesizePrompt(text: string, lang: Lang, outFile: string): Promise<void> {
  if (!/[\p{L}\p{N}]/u.test(text)) throw new SynthesisError("nothing to say");
  const dir = dirname(outFile);
  await mkdir(dir, { recursive: true });
  const stem = join(dir, `.tmp-${process.pid}-${++tmpCounter}`);
  const raw = `${stem}-raw.wav`;
  const converted = `${stem}.wav`;
  try {
    await run("espeak-ng", ["--stdin", "-v", VOICES[lang], "-s", String(WORDS_PER_MINUTE), "-w", raw], text);
    await run("sox", [raw, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", converted, "norm", "-3"]);
    await rename(converted, outFile);
  } finally {
    await rm(raw, { force: true });
    await rm(converted, { force: true });
  }
}
