import test from "ava";
import { type DetectedDigit, DtmfDetector } from "../../../telephony/media/dtmf-detector.ts";
import { addNoise, concat, type DtmfOpts, dtmf, frames, silence } from "../../support/audio.ts";

const DIGITS = "0123456789*#ABCD";

/** Runs audio through a fresh detector in 20 ms frames and returns what it reported. */
function detect(samples: Int16Array): DetectedDigit[] {
  const got: DetectedDigit[] = [];
  const d = new DtmfDetector((x) => got.push(x));
  for (const f of frames(samples)) d.process(f);
  d.flush();
  return got;
}

/** A digit of `ms` inside silence, at a given sample alignment, with noise at −40 dBm0. */
function burst(digit: string, ms: number, opts: DtmfOpts = {}, lead = 0, seed = 1): Int16Array {
  return addNoise(concat(silence(60 + lead / 8), dtmf(digit, ms, opts), silence(100)), -40, seed);
}

test("every DTMF digit is detected at 50 ms with noise", (t) => {
  for (const d of DIGITS) {
    const got = detect(burst(d, 50));
    t.deepEqual(
      got.map((g) => g.digit),
      [d],
      `digit ${d}`,
    );
  }
});

test("Q.24: a tone within ±1.5 % of nominal is accepted", (t) => {
  for (const d of DIGITS) {
    for (const scale of [1.015, 0.985]) {
      t.deepEqual(
        detect(burst(d, 60, { freqScale: scale })).map((g) => g.digit),
        [d],
        `${d} ×${scale}`,
      );
    }
  }
});

test("Q.24: a tone beyond ±3.5 % of nominal is rejected", (t) => {
  for (const d of DIGITS) {
    for (const scale of [1.036, 0.964, 1.05, 0.95]) {
      t.deepEqual(detect(burst(d, 80, { freqScale: scale })), [], `${d} ×${scale}`);
    }
  }
});

test("Q.24: a tone of 40 ms is accepted at every alignment to the analysis hop", (t) => {
  for (let lead = 0; lead < 40; lead += 5) {
    for (const d of "159#D") {
      t.deepEqual(
        detect(burst(d, 40, {}, lead, lead + 3)).map((g) => g.digit),
        [d],
        `${d} lead ${lead}`,
      );
    }
  }
});

test("Q.24: a tone shorter than 23 ms is rejected at every alignment", (t) => {
  for (let lead = 0; lead < 40; lead += 5) {
    for (const d of "159#D") t.deepEqual(detect(burst(d, 22, {}, lead, lead + 7)), [], `${d} lead ${lead}`);
  }
});

test("the reported duration is close to the tone's length", (t) => {
  const [got] = detect(burst("7", 200));
  t.truthy(got);
  t.true(Math.abs(got!.durationMs - 200) <= 15, `${got?.durationMs} ms`);
});

test("Q.24: a drop-out of up to 10 ms inside a digit is bridged", (t) => {
  const s = addNoise(concat(silence(40), dtmf("5", 60), silence(10), dtmf("5", 60), silence(100)), -40, 4);
  t.deepEqual(
    detect(s).map((g) => g.digit),
    ["5"],
  );
});

test("the same digit twice with a 60 ms pause is two digits", (t) => {
  const s = addNoise(concat(silence(40), dtmf("5", 60), silence(60), dtmf("5", 60), silence(100)), -40, 5);
  t.deepEqual(
    detect(s).map((g) => g.digit),
    ["5", "5"],
  );
});

test("Q.24: twist of 8 dB normal (low group louder) and 4 dB reverse is accepted", (t) => {
  for (const d of "14*2D") {
    t.deepEqual(
      detect(burst(d, 60, { rowDbm0: -6, colDbm0: -14 })).map((g) => g.digit),
      [d],
      `${d} normal 8 dB`,
    );
    t.deepEqual(
      detect(burst(d, 60, { rowDbm0: -14, colDbm0: -10 })).map((g) => g.digit),
      [d],
      `${d} reverse 4 dB`,
    );
  }
});

test("twist well beyond the limits (11 dB normal, 7 dB reverse) is rejected", (t) => {
  for (const d of "14*2D") {
    t.deepEqual(detect(burst(d, 60, { rowDbm0: -5, colDbm0: -16 })), [], `${d} normal 11 dB`);
    t.deepEqual(detect(burst(d, 60, { rowDbm0: -17, colDbm0: -10 })), [], `${d} reverse 7 dB`);
  }
});

test("a single tone, speech-band noise and silence give no digit", (t) => {
  t.deepEqual(detect(addNoise(silence(500), -20, 9)), []);
  t.deepEqual(detect(addNoise(concat(dtmf("1", 300, { colDbm0: -80 })), -45, 3)), []);
});

test("a sequence of digits with Q.24 minimum pauses comes out in order", (t) => {
  const parts: Int16Array[] = [silence(30)];
  for (const d of "8005551212#") parts.push(dtmf(d, 45), silence(45));
  t.is(
    detect(addNoise(concat(...parts), -40, 11))
      .map((g) => g.digit)
      .join(""),
    "8005551212#",
  );
});
