import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import test from "ava";
import { toRequest } from "../../../board/sim/cli.ts";
import { startControlServer } from "../../../board/sim/control-server.ts";
import { SimBoard, parseRecording } from "../../../board/sim/sim-board.ts";

async function setup(t: { teardown: (fn: () => Promise<void>) => void }) {
  const sim = new SimBoard();
  const io = await sim.open();
  const ctl = await startControlServer(sim, { status: () => ({ ok: "firmware" }) });
  t.teardown(async () => {
    await ctl.close();
    await io.close();
  });
  const base = `http://127.0.0.1:${ctl.port}`;
  const post = (path: string, body?: object) =>
    fetch(base + path, { method: "POST", ...(body ? { body: JSON.stringify(body) } : {}) });
  return { sim, io, base, post };
}

test("lift, keys, kill and faults over HTTP drive the simulated lines", async (t) => {
  const { sim, io, base, post } = await setup(t);
  const keys: string[] = [];
  io.handsets[0]!.keyPresses!((k) => keys.push(k));
  t.is((await post("/handsets/h1/lift")).status, 200);
  t.true(sim.lines.getInput("h1.hook"));
  await post("/handsets/h1/keys", { digits: "12#" });
  t.deepEqual(keys, ["1", "2", "#"]);
  await post("/units/C/kill", { active: true });
  t.true(sim.lines.getInput("kill.C"));
  await post("/faults", { name: "stuck:h2.hook", active: true });
  sim.lift("h2");
  t.false(sim.lines.getInput("h2.hook"), "a stuck input ignores changes");
  const state = (await (await fetch(`${base}/state`)).json()) as { faults: string[]; firmware: unknown };
  t.deepEqual(state.faults, ["stuck:h2.hook"]);
  t.deepEqual(state.firmware, { ok: "firmware" });
});

test("rotary dialling over HTTP pulses the hook loop at 10 pps 60/40", async (t) => {
  const { sim, post } = await setup(t);
  sim.lift("h2");
  const edges: [number, boolean][] = [];
  const t0 = performance.now();
  sim.lines.onInput((id, v) => id === "h2.hook" && edges.push([performance.now() - t0, v]));
  t.is((await post("/handsets/h2/rotary", { digits: "3" })).status, 200);
  t.deepEqual(
    edges.map(([, v]) => v),
    [false, true, false, true, false, true],
    "three breaks",
  );
});

test("bad requests get 400 with a stable code; unknown routes 404", async (t) => {
  const { post, base } = await setup(t);
  const r1 = await post("/handsets/h9/lift");
  t.is(r1.status, 400);
  t.like(await r1.json(), { code: "BAD_REQUEST" });
  const r2 = await post("/units/A/kill", { active: "yes" });
  t.is(r2.status, 400);
  const r3 = await post("/handsets/h1/rotary", { digits: "1*" });
  t.is(r3.status, 400);
  const r4 = await fetch(`${base}/nope`);
  t.is(r4.status, 404);
  const r5 = await fetch(`${base}/faults`, { method: "POST", body: "{" });
  t.like(await r5.json(), { code: "BAD_JSON" });
});

test("inputs are recorded to a file that parses back in order", async (t) => {
  const { sim, post } = await setup(t);
  const dir = await mkdtemp(join(tmpdir(), "sim-rec-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "rec.jsonl");
  await post("/record", { file });
  sim.lift("h1");
  sim.press("h1", "7");
  sim.kill("A", true);
  await post("/record/stop");
  const records = parseRecording(await readFile(file, "utf8"));
  t.deepEqual(
    records.map((r) => r.kind + (r.kind === "line" ? `:${r.id}=${r.value}` : r.kind === "key" ? `:${r.key}` : "")),
    ["line:h1.hook=true", "key:7", "line:kill.A=true"],
  );
  t.throws(
    () => parseRecording('{"t":5,"kind":"line","id":"x","value":true}\n{"t":1,"kind":"line","id":"x","value":false}'),
    {
      message: /line 2/,
    },
  );
});

test("the CLI maps commands to the control surface and runs against it", async (t) => {
  t.deepEqual(toRequest(["kill", "B", "on"]), { method: "POST", path: "/units/B/kill", body: { active: true } });
  t.deepEqual(toRequest(["keys", "h1", "55#"]), { method: "POST", path: "/handsets/h1/keys", body: { digits: "55#" } });
  t.throws(() => toRequest(["kill", "B", "maybe"]), { message: /on\|off/ });
  t.throws(() => toRequest(["dance"]), { message: /unknown command/ });
  const { sim, base } = await setup(t);
  const run = promisify(execFile);
  const { stdout } = await run(process.execPath, ["--import=tsx", "board/sim/cli.ts", "--url", base, "lift", "h4"]);
  t.like(JSON.parse(stdout), { ok: true });
  t.true(sim.lines.getInput("h4.hook"));
});
