import test from "ava";
import type { ToneDescriptor } from "../../../telephony/api.ts";
import { amplitudeToDbm0, dbm0ToAmplitude } from "../../../telephony/media/levels.ts";
import { NAMED_TONES, ToneSynth } from "../../../telephony/media/tones.ts";
import { frequencyPresence, measureFrequency, toneLevelDbm0 } from "../../support/audio.ts";

function render(segments: ToneDescriptor[], loop: boolean, ms: number): Int16Array {
  const synth = new ToneSynth();
  synth.start(segments, loop);
  const out = new Int16Array((ms * 8000) / 1000);
  const frame = new Int16Array(160);
  for (let o = 0; o < out.length; o += 160) {
    synth.fill(frame);
    out.set(frame.subarray(0, Math.min(160, out.length - o)), o);
  }
  return out;
}

test("0 dBm0 is 3.17 dB below a full-scale sine (G.711 §3)", (t) => {
  t.is(Math.round(dbm0ToAmplitude(0)), 22748);
  t.true(Math.abs(amplitudeToDbm0(32767) - 3.17) < 1e-9);
});

test("dial tone is 350 + 440 Hz, continuous, at −13 dBm0 per tone", (t) => {
  const s = render(NAMED_TONES.dial.segments, true, 2000);
  for (const f of [350, 440]) {
    t.true(Math.abs(toneLevelDbm0(s, f, 0, 8000) + 13) < 0.3, `${f} Hz level`);
    t.true(frequencyPresence(s, f).every(Boolean), `${f} Hz present throughout`);
  }
});

test("ringback is 440 + 480 Hz, 2 s on and 4 s off, at −19 dBm0", (t) => {
  const s = render(NAMED_TONES.ringback.segments, true, 12000);
  const p = frequencyPresence(s, 480, { windowMs: 100 });
  // windows 0-19 on, 20-59 off, 60-79 on again
  t.true(p.slice(0, 20).every(Boolean));
  t.true(p.slice(20, 60).every((x) => !x));
  t.true(p.slice(60, 80).every(Boolean));
  t.true(Math.abs(toneLevelDbm0(s, 440, 0, 8000) + 19) < 0.3);
});

test("busy is 480 + 620 Hz at 0.5 s on / 0.5 s off, reorder the same at 0.25 / 0.25, −24 dBm0", (t) => {
  const busy = frequencyPresence(render(NAMED_TONES.busy.segments, true, 2000), 620, { windowMs: 50 });
  t.deepEqual(busy.slice(0, 20), [...Array(10).fill(true), ...Array(10).fill(false)]);
  const re = render(NAMED_TONES.reorder.segments, true, 1000);
  const reorder = frequencyPresence(re, 480, { windowMs: 50 });
  t.deepEqual(reorder.slice(0, 10), [...Array(5).fill(true), ...Array(5).fill(false)]);
  t.true(Math.abs(toneLevelDbm0(re, 480, 0, 2000) + 24) < 0.3);
});

test("SIT plays 913.8, 1370.6 and 1776.7 Hz for 274, 274 and 380 ms, once", (t) => {
  const s = render(NAMED_TONES.sit.segments, false, 1200);
  t.true(Math.abs(measureFrequency(s, 913.8, 200, 1600) - 913.8) < 1);
  t.true(Math.abs(measureFrequency(s, 1370.6, 2400, 1600) - 1370.6) < 1);
  t.true(Math.abs(measureFrequency(s, 1776.7, 4600, 2000) - 1776.7) < 1);
  // segment boundaries: sample 2192 starts 1370.6, 4384 starts 1776.7, 7424 ends
  t.true(toneLevelDbm0(s, 913.8, 2000, 160) > -26);
  t.true(toneLevelDbm0(s, 1370.6, 2200, 160) > -26);
  t.true(toneLevelDbm0(s, 1776.7, 4400, 160) > -26);
  t.true(
    s.subarray(7424).every((v) => v === 0),
    "silent after the last segment",
  );
});

test("a non-looping tone reports its end; the beep is 1400 Hz for 0.5 s", (t) => {
  const synth = new ToneSynth();
  synth.start(NAMED_TONES.beep.segments, false);
  const frame = new Int16Array(160);
  let frames = 0;
  while (synth.fill(frame)) frames++;
  t.is(frames, 25);
  t.false(synth.active);
  const s = render(NAMED_TONES.beep.segments, false, 500);
  t.true(Math.abs(measureFrequency(s, 1400, 0, 2000) - 1400) < 1);
});

test("a segment with no duration is refused", (t) => {
  t.throws(() => new ToneSynth().start([{ freq1: 400, onMs: 0, offMs: 0 }], true), { instanceOf: RangeError });
});
