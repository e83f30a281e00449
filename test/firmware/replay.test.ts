import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { startSimFirmware, tempDir, waitFor } from "./harness.ts";

test("a recorded event file replays through the same debounce and decoders as live input", async (t) => {
  const dir = await tempDir(t);
  const recording = [
    { t: 0, kind: "line", id: "h1.hook", value: true },
    { t: 0, kind: "line", id: "h2.hook", value: true },
    { t: 80, kind: "key", handset: "h1", key: "5" },
    { t: 120, kind: "key", handset: "h1", key: "1" },
    // Rotary "2" on h2: two 60 ms breaks 100 ms apart.
    { t: 300, kind: "line", id: "h2.hook", value: false },
    { t: 360, kind: "line", id: "h2.hook", value: true },
    { t: 400, kind: "line", id: "h2.hook", value: false },
    { t: 460, kind: "line", id: "h2.hook", value: true },
    // A contact bounce on h3: shorter than the debounce, so nothing happens.
    { t: 500, kind: "line", id: "h3.hook", value: true },
    { t: 502, kind: "line", id: "h3.hook", value: false },
  ];
  const file = join(dir, "session.jsonl");
  await writeFile(file, recording.map((r) => JSON.stringify(r)).join("\n"));
  // No controller: make the bank available by hand so calls are placed (the link is tested apart).
  const fw = await startSimFirmware({ journalFile: join(dir, "j.json") });
  t.teardown(() => fw.stop());
  for (const h of fw.daemon.handsets.values()) h.setAvailable(true, "test");

  const replaying = fw.sim.replay(file);
  await waitFor(() => fw.lines.get("h1")?.calls.length === 1 && fw.lines.get("h2")?.calls.length === 1, "calls placed");
  // The controller answers; digits keyed before that are sent when its audio arrives.
  fw.lines.get("h1")!.last!.audioArrives();
  fw.lines.get("h2")!.last!.audioArrives();
  t.is(await replaying, recording.length);
  const sent = (h: string) => fw.lines.get(h)!.last!.digits.join("");
  await waitFor(() => sent("h1") === "51" && sent("h2") === "2", "digits sent");
  t.is(sent("h1"), "51");
  t.is(sent("h2"), "2", "rotary pulses decoded");
  t.is(fw.lines.get("h3")!.calls.length, 0, "bounce filtered");
});
