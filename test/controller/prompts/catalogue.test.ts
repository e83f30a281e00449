import test from "ava";
import {
  allParts,
  allPromptIds,
  LANGS,
  PROMPTS,
  promptPieces,
  type StaticPromptId,
} from "../../../controller/prompts/catalogue.ts";

const SLOT = /\{([A-Za-z]+)\}/g;

test("every prompt exists in English and Spanish and the two differ", (t) => {
  for (const [id, text] of Object.entries(PROMPTS)) {
    t.true(text.en.trim().length > 0, id);
    t.true(text.es.trim().length > 0, id);
    t.not(text.en, text.es, id);
  }
});

test("both languages of a prompt use the same placeholders", (t) => {
  for (const [id, text] of Object.entries(PROMPTS)) {
    const en = [...text.en.matchAll(SLOT)].map((m) => m[1]).sort();
    const es = [...text.es.matchAll(SLOT)].map((m) => m[1]).sort();
    t.deepEqual(en, es, id);
  }
});

test("the called party hears who calls, from where, recording, rate, cost and the three keys (47 CFR 64.710)", (t) => {
  const needed: StaticPromptId[] = [
    "called.collect-call-from",
    "called.provider",
    "called.recording-notice",
    "called.rate",
    "called.cost-option",
    "called.total-cost",
    "called.hang-up-free",
    "called.accept-options",
    "called.block-option",
    "called.invalid-choice",
    "called.accepted",
    "called.declined",
    "called.blocked-confirmation",
  ];
  for (const id of needed) t.truthy(PROMPTS[id], id);
  t.true(PROMPTS["called.collect-call-from"].en.includes("{name}"));
  t.true(PROMPTS["called.collect-call-from"].en.includes("{facility}"));
  t.true(PROMPTS["called.rate"].en.includes("{rate}"));
});

test("a prompt with placeholders splits into numbered parts and slots", (t) => {
  const pieces = promptPieces("called.collect-call-from", "en");
  t.deepEqual(pieces, [
    { kind: "text", part: "called.collect-call-from.p0", text: "You have a collect call from" },
    { kind: "slot", name: "name" },
    { kind: "text", part: "called.collect-call-from.p1", text: ", an inmate at" },
    { kind: "slot", name: "facility" },
  ]);
  t.deepEqual(promptPieces("common.goodbye", "es"), [
    { kind: "text", part: "common.goodbye", text: "Gracias. Adiós." },
  ]);
});

test("every prompt splits without error and every part has something to say", (t) => {
  for (const lang of LANGS) {
    for (const id of allPromptIds()) t.notThrows(() => promptPieces(id, lang), id);
    for (const [part, text] of allParts(lang)) t.regex(text, /[\p{L}\p{N}]/u, part);
  }
});
