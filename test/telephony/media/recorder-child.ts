/**
 * Child process for the recorder crash test: records a 1000 Hz tone (left) and a 500 Hz tone
 * (right) in real time and prints a line each time the header on disk is rewritten, until killed.
 */
import { SystemClock } from "../../../telephony/clock.ts";
import { createMediaEngine } from "../../../telephony/media/engine.ts";

const file = process.argv[2];
if (!file) throw new Error("usage: recorder-child.ts FILE");
const engine = createMediaEngine({ clock: new SystemClock() });
const left = engine.createToneGenerator();
const right = engine.createToneGenerator();
left.play([{ freq1: 1000, onMs: 1000, offMs: 0, levelDbm0: -10 }], true);
right.play([{ freq1: 500, onMs: 1000, offMs: 0, levelDbm0: -10 }], true);
const rec = await engine.createRecorder(file);
left.startTransmit(rec.left);
right.startTransmit(rec.right);
rec.on("flush", (bytes: number) => process.stdout.write(`flush ${bytes}\n`));
