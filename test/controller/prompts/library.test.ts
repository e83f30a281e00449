import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { buildPrompts, generatedFile } from "../../../controller/prompts/build-prompts.ts";
import { PromptError, PromptLibrary } from "../../../controller/prompts/library.ts";
import { makeWav } from "./wav-fixtures.ts";

function setup(t: { teardown(fn: () => void): void }): { lib: PromptLibrary; gen: string; over: string } {
  const root = mkdtempSync(join(tmpdir(), "yardline-promptlib-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const gen = join(root, "generated");
  const over = join(root, "overrides");
  return { lib: new PromptLibrary({ generatedDir: gen, overrideDir: over }), gen, over };
}

test("without an override a part resolves to its generated file", (t) => {
  const { lib, gen } = setup(t);
  t.is(lib.resolvePrompt("common.goodbye", "en"), generatedFile(gen, "Thank you. Goodbye.", "en"));
});

test("an administrator's upload takes precedence over the generated prompt, and removing it goes back", async (t) => {
  const { lib, gen, over } = setup(t);
  const info = await lib.installOverride("common.goodbye", "es", makeWav({ dataBytes: 16000 }));
  t.deepEqual(info, { encoding: "pcm16", durationMs: 1000 });
  t.is(lib.resolvePrompt("common.goodbye", "es"), join(over, "es", "common.goodbye.wav"));
  // The other language is untouched.
  t.is(lib.resolvePrompt("common.goodbye", "en"), generatedFile(gen, "Thank you. Goodbye.", "en"));
  t.true(await lib.removeOverride("common.goodbye", "es"));
  t.is(lib.resolvePrompt("common.goodbye", "es"), generatedFile(gen, "Gracias. Adiós.", "es"));
});

test("a mu-law upload is accepted", async (t) => {
  const { lib } = setup(t);
  const info = await lib.installOverride("called.rate.p0", "en", makeWav({ formatTag: 7, bitsPerSample: 8 }));
  t.is(info.encoding, "mulaw");
});

test("uploads a phone leg cannot play are rejected with the reason", async (t) => {
  const { lib } = setup(t);
  const cases: Array<[Buffer, RegExp]> = [
    [makeWav({ sampleRate: 44100 }), /sample-rate: sample rate 44100/],
    [makeWav({ channels: 2 }), /channels/],
    [makeWav({ bitsPerSample: 8 }), /unsupported-encoding/],
    [makeWav({ formatTag: 3, bitsPerSample: 32 }), /unsupported-encoding/],
    [makeWav({ dataBytes: 0 }), /empty/],
    [makeWav({ extensible: true }), /EXTENSIBLE/],
    [Buffer.from("ID3\u0003 this is an mp3, honest"), /not-riff/],
  ];
  for (const [wav, message] of cases) {
    const err = await t.throwsAsync(lib.installOverride("common.goodbye", "en", wav), { instanceOf: PromptError });
    t.is(err?.code, "invalid-wav");
    t.regex(err?.message ?? "", message);
  }
  t.deepEqual(lib.checkPrompts(["en"]).badOverrides, []);
});

test("an override for a part that does not exist is refused (no path tricks)", async (t) => {
  const { lib } = setup(t);
  for (const part of ["../../etc/passwd", "common.nope", "custom.Bad Name"]) {
    const err = await t.throwsAsync(lib.installOverride(part, "en", makeWav()), { instanceOf: PromptError });
    t.is(err?.code, "unknown-part");
  }
});

test("a bad file copied into the override directory by hand is reported and not played", (t) => {
  const { lib, gen, over } = setup(t);
  mkdirSync(join(over, "en"), { recursive: true });
  writeFileSync(join(over, "en", "common.goodbye.wav"), makeWav({ sampleRate: 16000 }));
  t.is(lib.resolvePrompt("common.goodbye", "en"), generatedFile(gen, "Thank you. Goodbye.", "en"));
  const check = lib.checkPrompts(["en"]);
  t.is(check.badOverrides.length, 1);
  t.is(check.badOverrides[0]?.part, "common.goodbye");
});

test("checkPrompts lists the parts with no playable file so an alert can be raised", async (t) => {
  const { lib, gen } = setup(t);
  const before = lib.checkPrompts(["en"]);
  t.is(before.missing.length, before.total);
  await buildPrompts(gen, { parts: ["common.goodbye"], langs: ["en"] });
  await lib.installOverride("common.invalid-entry", "en", makeWav());
  const after = lib.checkPrompts(["en"]);
  t.is(after.missing.length, before.total - 2);
  const missing = new Set(after.missing.map((m) => m.part));
  t.false(missing.has("common.goodbye"));
  t.false(missing.has("common.invalid-entry"));
  t.true(missing.has("inmate.enter-pin"));
});

test("render fills placeholders in language order: the rate disclosure", (t) => {
  const { lib } = setup(t);
  const rate = lib.sayAmount(21, "es");
  const files = lib.render("called.rate", "es", { rate });
  t.deepEqual(files, [lib.resolvePrompt("called.rate.p0", "es"), ...rate, lib.resolvePrompt("called.rate.p1", "es")]);
  t.is(rate.length, 2); // "veintiún" "centavos"
  t.is(rate[0], lib.resolvePrompt("num.21-before-noun", "es"));
});

test("render refuses to leave a placeholder silent", (t) => {
  const { lib } = setup(t);
  const err = t.throws(() => lib.render("called.collect-call-from", "en", { name: ["/x/name.wav"] }), {
    instanceOf: PromptError,
  });
  t.is(err?.code, "missing-value");
});

test("sayNumber, sayMinutes and sayKey map to word prompt files", (t) => {
  const { lib } = setup(t);
  t.deepEqual(lib.sayNumber(21, "en"), [lib.resolvePrompt("num.21", "en")]);
  t.deepEqual(lib.sayMinutes(1, "es"), [
    lib.resolvePrompt("num.1-before-noun", "es"),
    lib.resolvePrompt("word.minute", "es"),
  ]);
  t.deepEqual(lib.sayKey("9", "en"), [lib.resolvePrompt("num.9", "en")]);
});

test("a facility name is synthesized once and an administrator's recording of it wins", async (t) => {
  const { lib, over } = setup(t);
  const first = await lib.customPrompt("facility-name", "North Valley Correctional Facility", "en");
  t.regex(first, /custom/);
  t.is(await lib.customPrompt("facility-name", "North Valley Correctional Facility", "en"), first);
  await lib.installOverride("custom.facility-name", "en", makeWav());
  t.is(
    await lib.customPrompt("facility-name", "North Valley Correctional Facility", "en"),
    join(over, "en", "custom.facility-name.wav"),
  );
});
