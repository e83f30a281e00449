import { join } from "node:path";
import test from "ava";
import { BankServer } from "../../controller/banks/server.ts";
import { startSimFirmware, tempDir, waitFor } from "./harness.ts";

test("a hardware kill with the controller stopped ends every call in the unit and holds its handsets dead", async (t) => {
  const dir = await tempDir(t);
  const server = new BankServer();
  const port = await server.listen(0);
  t.teardown(() => server.close());
  const fw = await startSimFirmware({ journalFile: join(dir, "j.json"), controllerUrl: `ws://127.0.0.1:${port}` });
  t.teardown(() => fw.stop());
  await waitFor(() => fw.daemon.serviceAvailable, "controller link");

  // Unit A = h1, h2; unit B = h3, h4. Calls up on h1, h2 and h3.
  for (const h of ["h1", "h2", "h3"]) fw.sim.lift(h);
  await waitFor(() => ["h1", "h2", "h3"].every((h) => fw.lines.get(h)?.calls.length === 1), "three calls placed");
  for (const h of ["h1", "h2", "h3"]) fw.lines.get(h)!.last!.audioArrives();

  // The controller process goes away entirely.
  await server.close();
  await waitFor(() => !fw.daemon.link!.up, "link down");
  t.true(fw.daemon.handsets.get("h1")!.hasCall, "calls in progress are not cut by a link loss alone");

  fw.sim.kill("A", true);
  await waitFor(() => fw.daemon.kills.isKilled("A"), "kill applied");
  for (const h of ["h1", "h2"]) {
    t.true(fw.lines.get(h)!.last!.hungUp, `${h} call ended`);
    t.false(fw.sim.lines.getOutput(`${h}.relay`), `${h} line relay open`);
    t.is(fw.daemon.handsets.get(h)!.state, "killed");
  }
  t.false(fw.lines.get("h3")!.last!.hungUp, "unit B untouched");
  t.true(fw.sim.lines.getOutput("panel.A"), "officer panel shows unit A killed");

  // Held dead: hanging up and lifting again places no call.
  fw.sim.hangUp("h1");
  await waitFor(() => !fw.daemon.handsets.get("h1")!.isOffHook, "h1 down");
  fw.sim.lift("h1");
  await waitFor(() => fw.daemon.handsets.get("h1")!.isOffHook, "h1 up");
  t.is(fw.lines.get("h1")!.calls.length, 1);
  t.is(fw.daemon.handsets.get("h1")!.state, "killed");

  fw.sim.kill("A", false);
  await waitFor(() => !fw.daemon.kills.isKilled("A"), "released");
  t.true(fw.sim.lines.getOutput("h1.relay"));
  t.is(fw.daemon.handsets.get("h1")!.state, "lockout", "off-hook at release: must hang up first");
  t.is(fw.daemon.handsets.get("h2")!.state, "lockout");
});

test("a unit killed by controller command stays dead across a firmware restart without the controller", async (t) => {
  const dir = await tempDir(t);
  const journalFile = join(dir, "j.json");
  const server = new BankServer();
  const port = await server.listen(0);
  t.teardown(() => server.close());
  let fw = await startSimFirmware({ journalFile, controllerUrl: `ws://127.0.0.1:${port}` });
  t.teardown(() => fw.stop());
  await waitFor(() => server.state("bank-test")?.connected === true, "board connected");
  fw.sim.lift("h3");
  await waitFor(() => fw.lines.get("h3")?.calls.length === 1, "call on h3");
  const result = await server.kill("bank-test", "B");
  t.deepEqual(result, { ok: true });
  t.true(fw.lines.get("h3")!.last!.hungUp);
  t.is(fw.daemon.handsets.get("h3")!.state, "killed");

  await server.close();
  await fw.stop();
  fw = await startSimFirmware({ journalFile, controllerUrl: `ws://127.0.0.1:${port}` });
  t.true(fw.daemon.kills.isKilled("B"), "kill restored from the journal");
  t.is(fw.daemon.handsets.get("h4")!.state, "killed");
  fw.sim.lift("h4");
  await waitFor(() => fw.daemon.handsets.get("h4")!.isOffHook, "h4 up");
  t.is(fw.lines.get("h4")!.calls.length, 0);
  t.false(fw.daemon.kills.isKilled("A"));
});

test("without a controller the bank fails closed: no calls, service unavailable", async (t) => {
  const dir = await tempDir(t);
  // Port 9 (discard) on loopback: nothing listens, connections are refused.
  const fw = await startSimFirmware({ journalFile: join(dir, "j.json"), controllerUrl: "ws://127.0.0.1:9" });
  t.teardown(() => fw.stop());
  fw.sim.lift("h1");
  await waitFor(() => fw.earpieces.get("h1")?.now === "unavailable", "service unavailable message");
  t.is(fw.lines.get("h1")!.calls.length, 0);
  t.is(fw.daemon.handsets.get("h1")!.state, "out-of-service");
  t.true(fw.sim.lines.watchdogKicks >= 1, "the watchdog is kicked even without a controller");
});

test("a controller that restarted learns from the board's hello which units are dead and why, with no event replayed", async (t) => {
  const dir = await tempDir(t);
  let server = new BankServer();
  const port = await server.listen(0);
  t.teardown(() => server.close());
  const fw = await startSimFirmware({ journalFile: join(dir, "j.json"), controllerUrl: `ws://127.0.0.1:${port}` });
  t.teardown(() => fw.stop());
  await waitFor(() => fw.daemon.serviceAvailable, "controller link");
  fw.sim.kill("B", true);
  await waitFor(() => server.state("bank-test")?.units.B?.killed === true, "kill delivered");
  await waitFor(() => fw.daemon.journal.pending().length === 0, "kill acknowledged");
  const stored = server.state("bank-test");

  // A new controller process that stored every event already: nothing is replayed to it.
  await server.close();
  await waitFor(() => !fw.daemon.link!.up, "link down");
  server = new BankServer({ lastSeq: () => stored?.lastSeq ?? 0 });
  const events: string[] = [];
  server.on("event", (e) => events.push(e.event.type));
  await server.listen(port);
  await waitFor(() => server.state("bank-test")?.connected === true, "reconnected");
  t.deepEqual(server.state("bank-test")?.units.B, { killed: true, sources: ["input"], panelLit: false });
  t.like(server.state("bank-test")?.units.A, { killed: false, sources: [] });
  t.false(events.includes("kill"), "the kill state came with the hello, not a replayed event");
});
