import { join } from "node:path";
import test from "ava";
import { SimBoard } from "../../board/sim/sim-board.ts";
import { BankServer } from "../../controller/banks/server.ts";
import { startSimFirmware, tempDir, waitFor } from "./harness.ts";

async function connected(t: Parameters<typeof tempDir>[0]) {
  const dir = await tempDir(t);
  const server = new BankServer();
  const port = await server.listen(0);
  t.teardown(() => server.close());
  const journalFile = join(dir, "j.json");
  const url = `ws://127.0.0.1:${port}`;
  const fw = await startSimFirmware({ journalFile, controllerUrl: url, extra: { healthIntervalMs: 60_000 } });
  t.teardown(() => fw.stop());
  await waitFor(() => server.state("bank-test")?.connected === true && fw.daemon.serviceAvailable, "connected");
  return { server, fw, journalFile, url };
}

test("a schedule pushed by the controller turns its unit off locally, and holds across a restart", async (t) => {
  const { server, fw, journalFile, url } = await connected(t);
  // A window that is never open now: a single minute on a weekday other than today.
  const today = new Date().getUTCDay() || 7;
  const other = (today % 7) + 1;
  const r = await server.sendCommand("bank-test", {
    type: "schedule",
    schedule: { unit: "C", timezone: "UTC", windows: [{ days: [other], start: "00:00", end: "00:01" }] },
  });
  t.deepEqual(r, { ok: true });
  t.deepEqual(fw.daemon.kills.sources("C"), ["schedule"]);
  t.is(fw.daemon.handsets.get("h5")!.state, "killed");
  await fw.stop();
  await server.close();
  const again = await startSimFirmware({ journalFile, controllerUrl: url });
  t.teardown(() => again.stop());
  t.true(again.daemon.kills.isKilled("C"), "the schedule is enforced without the controller");
  await again.daemon.command({ type: "clear-schedule", unit: "C" });
  t.false(again.daemon.kills.isKilled("C"), "clearing the schedule turns the unit back on");
});

test("terminate ends one handset's call; the handset must hang up before another", async (t) => {
  const { server, fw } = await connected(t);
  fw.sim.lift("h1");
  await waitFor(() => fw.lines.get("h1")?.calls.length === 1, "call");
  fw.lines.get("h1")!.last!.audioArrives();
  t.deepEqual(await server.sendCommand("bank-test", { type: "connected", handset: "h1" }), { ok: true });
  await waitFor(() => server.state("bank-test")?.handsets.h1?.state === "in-call", "in-call reported");
  t.deepEqual(await server.sendCommand("bank-test", { type: "terminate", handset: "h1" }), { ok: true });
  t.true(fw.lines.get("h1")!.last!.hungUp);
  t.is(fw.daemon.handsets.get("h1")!.state, "lockout");
});

test("bad command arguments come back as failed results, not crashes", async (t) => {
  const { server } = await connected(t);
  t.deepEqual(await server.kill("bank-test", "Z"), { ok: false, error: 'unknown housing unit "Z"' });
  t.like(await server.sendCommand("bank-test", { type: "terminate", handset: "h99" }), { ok: false });
  t.like(
    await server.sendCommand("bank-test", {
      type: "schedule",
      schedule: { unit: "A", timezone: "Nowhere/Land", windows: [] },
    }),
    { ok: false },
  );
});

test("health telemetry carries uptime, temperature, registration and injected faults; config changes its period", async (t) => {
  const { server, fw } = await connected(t);
  const seen: { temperatureC?: number; faults: string[]; registration: Record<string, boolean> }[] = [];
  server.on("health", (h) => seen.push(h.health));
  fw.sim.fault("overheat", true);
  t.deepEqual(await server.sendCommand("bank-test", { type: "config", config: { healthIntervalMs: 1000 } }), {
    ok: true,
  });
  await waitFor(() => seen.length >= 1, "health", 5000);
  const h = seen[0]!;
  t.is(h.temperatureC, 92);
  t.true(h.faults.includes("overheat"));
  t.deepEqual(Object.keys(h.registration).sort(), ["h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8"]);
  t.is(server.state("bank-test")?.health?.temperatureC, 92);
});

test("hardware faults reach the controller as fault events as they come and go", async (t) => {
  const { server, fw } = await connected(t);
  const faults: string[] = [];
  server.on("event", (e) => e.event.type === "fault" && faults.push(`${e.event.active ? "+" : "-"}${e.event.fault}`));
  fw.sim.fault("overheat", true);
  fw.sim.fault("relay-h3-stuck", true);
  await fw.daemon.checkHardware();
  await waitFor(() => faults.length >= 3, "fault events");
  t.true(faults.includes("+temperature 92 °C"));
  t.true(faults.includes("+relay-h3-stuck"));
  t.true(faults.includes("+overheat"));
  fw.sim.fault("relay-h3-stuck", false);
  await fw.daemon.checkHardware();
  await waitFor(() => server.state("bank-test")?.faults.includes("relay-h3-stuck") === false, "fault cleared");
  t.true(faults.includes("-relay-h3-stuck"));
  t.true(server.state("bank-test")?.faults.includes("overheat"));
});

test("a controller that checks tokens accepts the board with its token and refuses one without", async (t) => {
  const dir = await tempDir(t);
  const server = new BankServer({ authenticate: (_id, token) => token === "t0k3n" });
  const port = await server.listen(0);
  t.teardown(() => server.close());
  const url = `ws://127.0.0.1:${port}`;
  const good = await startSimFirmware({
    journalFile: join(dir, "a.json"),
    controllerUrl: url,
    extra: { linkToken: "t0k3n" },
  });
  t.teardown(() => good.stop());
  await waitFor(() => good.daemon.serviceAvailable, "board with token in service");
  const sim = new SimBoard();
  const bad = await startSimFirmware({ journalFile: join(dir, "b.json"), controllerUrl: url, sim });
  t.teardown(() => bad.stop());
  const refused: string[] = [];
  server.on("board-connected", (b) => refused.push(b.boardId));
  sim.lift("h1");
  await waitFor(() => bad.earpieces.get("h1")?.now === "unavailable", "tokenless board fails closed");
  t.false(bad.daemon.serviceAvailable);
  t.deepEqual(refused, []);
});
