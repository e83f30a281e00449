import type { BoardDescription, HandsetDescription } from "./types.ts";

/**
 * The simulated board: the same shape as bank-8 (eight handsets, four units), every line in
 * memory. Odd handsets have keypads, even ones rotary dials, so both decoders run in the lab.
 */
function handset(i: number): HandsetDescription {
  const id = `h${i + 1}`;
  return {
    id,
    unit: ["A", "B", "C", "D"][Math.floor(i / 2)] as string,
    hook: { kind: "sim", id: `${id}.hook` },
    dial: i % 2 === 0 ? "dtmf-keypad" : "rotary",
    lineRelay: { kind: "sim", id: `${id}.relay` },
    statusLed: { kind: "sim", id: `${id}.led` },
    audio: { kind: "sim" },
  };
}

export const sim: BoardDescription = {
  name: "sim",
  summary: "simulated 8-handset bank, lines in memory, audio as WAV files",
  expanders: [],
  handsets: Array.from({ length: 8 }, (_, i) => handset(i)),
  killSwitches: ["A", "B", "C", "D"].map((unit) => ({ unit, input: { kind: "sim", id: `kill.${unit}` } })),
  panel: ["A", "B", "C", "D"].map((unit) => ({ unit, output: { kind: "sim", id: `panel.${unit}` } })),
  watchdog: { kind: "sim", kickMs: 1000 },
};
