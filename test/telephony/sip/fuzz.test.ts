/**
 * Mutation fuzzing of the RFC 4475 fixtures: byte flips, truncations, duplicated and deleted
 * spans. The parser must answer every input with a result (never an internal error), and what
 * it accepts must serialize and parse again. Seeded, so every run tests the same inputs.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import test from "ava";
import { parseMessage } from "../../../telephony/sip/parser.ts";
import { serializeMessage } from "../../../telephony/sip/serializer.ts";

const dir = join(import.meta.dirname, "../../fixtures/sip");
const inputs = ["valid", "invalid"].flatMap((k) => readdirSync(join(dir, k)).map((f) => readFileSync(join(dir, k, f))));

/** mulberry32: a small deterministic PRNG. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0x00, 0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x3b, 0x2c, 0x3c, 0x3e, 0x22, 0x5c, 0x40, 0x25, 0x3d, 0xff];

function mutate(src: Buffer, r: () => number): Buffer {
  const b = Buffer.from(src);
  const kind = Math.floor(r() * 5);
  const at = Math.floor(r() * b.length);
  switch (kind) {
    case 0:
      for (let i = 0; i < 1 + Math.floor(r() * 4); i++) {
        b[Math.floor(r() * b.length)] = INTERESTING[Math.floor(r() * INTERESTING.length)] as number;
      }
      return b;
    case 1:
      return b.subarray(0, at);
    case 2: {
      const len = Math.floor(r() * 40);
      return Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
    }
    case 3: {
      const len = Math.floor(r() * 40);
      return Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
    }
    default:
      b[at] = Math.floor(r() * 256);
      return b;
  }
}

test("20,000 mutated torture messages: the parser never fails internally and what it accepts round-trips", (t) => {
  const r = rng(4475);
  let accepted = 0;
  let rejected = 0;
  for (let i = 0; i < 20_000; i++) {
    const input = mutate(inputs[i % inputs.length] as Buffer, r);
    const res = parseMessage(input);
    if (!res.ok) {
      if (res.internal) return t.fail(`internal parser error "${res.error}" on:\n${input.toString("latin1")}`);
      rejected++;
      continue;
    }
    accepted++;
    const again = parseMessage(serializeMessage(res.message));
    if (!again.ok) return t.fail(`accepted message does not round-trip (${again.error}):\n${input.toString("latin1")}`);
  }
  t.log(`${accepted} accepted, ${rejected} rejected`);
  t.true(accepted > 1000 && rejected > 1000);
});
