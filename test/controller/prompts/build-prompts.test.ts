import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { buildPrompts, generatedFile } from "../../../controller/prompts/build-prompts.ts";
import { allParts } from "../../../controller/prompts/catalogue.ts";
import { promptHash, synthesizePrompt } from "../../../controller/prompts/synthesize.ts";
import { checkPromptWav } from "../../../controller/recordings/wav.ts";

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "yardline-prompts-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function soxiSeconds(file: string): number {
  return Number(execFileSync("soxi", ["-D", file], { encoding: "utf8" }).trim());
}

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

const PARTS = ["common.goodbye", "inmate.enter-number", "num.21", "called.rate.p0"];

test("building prompts runs espeak-ng and sox and makes 8 kHz mono 16-bit WAVs of plausible length", async (t) => {
  const dir = tempDir(t);
  const result = await buildPrompts(dir, { parts: PARTS });
  t.is(result.built.length, PARTS.length * 2); // en and es
  for (const lang of ["en", "es"] as const) {
    for (const part of PARTS) {
      const file = generatedFile(dir, partText(part, lang), lang);
      const info = checkPromptWav(readFileSync(file));
      t.is(info.encoding, "pcm16");
      const seconds = soxiSeconds(file);
      t.is(Math.round(seconds * 1000), info.durationMs, `${part} header agrees with soxi`);
      // Speech runs about 2-3 words a second at 150 wpm; allow wide bounds, catch empty or runaway audio.
      const n = words(partText(part, lang));
      t.true(seconds > 0.15 * n, `${lang} ${part}: ${seconds} s for ${n} words is too short`);
      t.true(seconds < 1.2 * n + 1.5, `${lang} ${part}: ${seconds} s for ${n} words is too long`);
    }
  }
});

function partText(part: string, lang: "en" | "es"): string {
  const text = allParts(lang).get(part);
  if (text === undefined) throw new Error(part);
  return text;
}

test("a second build skips prompts already present (cached by content hash)", async (t) => {
  const dir = tempDir(t);
  await buildPrompts(dir, { parts: ["common.goodbye"], langs: ["en"] });
  const file = generatedFile(dir, "Thank you. Goodbye.", "en");
  const before = statSync(file).mtimeMs;
  const again = await buildPrompts(dir, { parts: ["common.goodbye"], langs: ["en"] });
  t.deepEqual(again.built, []);
  t.deepEqual(again.skipped, [file]);
  t.is(statSync(file).mtimeMs, before);
});

test("the cache key changes with the text and with the voice", (t) => {
  t.not(promptHash("Goodbye.", "en"), promptHash("Goodbye!", "en"));
  t.not(promptHash("no", "en"), promptHash("no", "es"));
  t.is(promptHash("Goodbye.", "en"), promptHash("Goodbye.", "en"));
});

test("unknown parts are refused before anything is synthesized", async (t) => {
  const dir = tempDir(t);
  await t.throwsAsync(buildPrompts(dir, { parts: ["no.such-prompt"] }), { instanceOf: RangeError });
});

test("synthesizing nothing to say is an error, not an empty file", async (t) => {
  const dir = tempDir(t);
  await t.throwsAsync(synthesizePrompt(" . ", "en", join(dir, "x.wav")), { message: /nothing to say/ });
});
