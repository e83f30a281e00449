import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { presenceRatio, readWav } from "../../support/audio.ts";

const CHILD = join(dirname(fileURLToPath(import.meta.url)), "recorder-child.ts");

test("a recording cut by SIGKILL mid-call is still a readable WAV holding the audio before the kill", async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), "rec-crash-")), "call.wav");
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, file], { stdio: ["ignore", "pipe", "pipe"] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  // wait for the second header rewrite (≥ 2 s on disk), then kill without warning
  const flushed = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`child did not record: ${stderr}`)), 30_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const lines = out.split("\n").filter((l) => l.startsWith("flush "));
      if (lines.length >= 2) {
        clearTimeout(timer);
        resolve(Number(lines[1]!.slice(6)));
      }
    });
    child.on("exit", () => reject(new Error(`child exited early: ${stderr}`)));
  });
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  t.is(child.signalCode, "SIGKILL");
  t.true(flushed >= 64000);

  // sox reads it
  const seconds = Number(execFileSync("soxi", ["-D", file]).toString().trim());
  t.true(seconds >= 2, `soxi says ${seconds} s`);
  t.is(execFileSync("soxi", ["-c", file]).toString().trim(), "2");

  // and so do we, with each side's tone on its own channel
  const wav = readWav(file);
  t.true(wav.samples.length / 2 / 8000 >= 2);
  t.true(presenceRatio(wav.channel(0), 1000) > 0.95, "inmate side: 1000 Hz");
  t.true(presenceRatio(wav.channel(1), 500) > 0.95, "called side: 500 Hz");
  t.is(presenceRatio(wav.channel(0), 500), 0);
});
