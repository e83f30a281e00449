import { join } from "node:path";
import test from "ava";
import { BankServer } from "../../controller/banks/server.ts";
import type { BoardEvent } from "../../firmware/link/protocol.ts";
import { startSimFirmware, tempDir, waitFor } from "./harness.ts";

test("events made during a link outage and across a firmware restart all arrive afterwards, in order, once", async (t) => {
  const dir = await tempDir(t);
  const journalFile = join(dir, "journal.json");
  const received: { seq: number; event: BoardEvent }[] = [];
  // What the controller's store would hold: the last seq per board journal.
  const stored = new Map<string, number>();
  const collect = (s: BankServer) =>
    s.on("event", (e) => {
      received.push({ seq: e.seq, event: e.event });
      stored.set(`${e.boardId}/${s.state(e.boardId)?.journalId}`, e.seq);
    });

  let server = new BankServer();
  collect(server);
  const port = await server.listen(0);
  t.teardown(() => server.close());
  const url = `ws://127.0.0.1:${port}`;

  let fw = await startSimFirmware({ journalFile, controllerUrl: url });
  t.teardown(() => fw.stop());
  await waitFor(() => fw.daemon.serviceAvailable, "first connection");
  fw.sim.lift("h1");
  await waitFor(() => received.some((r) => r.event.type === "hook" && r.event.offHook), "hook before outage");

  // Controller goes away.
  await server.close();
  await waitFor(() => !fw.daemon.serviceAvailable, "link down");
  const deliveredBeforeOutage = received.length;
  fw.sim.hangUp("h1");
  fw.sim.kill("B", true);
  await waitFor(() => fw.daemon.kills.isKilled("B"), "kill applied");
  fw.sim.lift("h3"); // unit B: dead, no report of a call
  fw.sim.lift("h5");
  await waitFor(() => fw.earpieces.get("h5")?.now === "unavailable", "refused lift");
  await waitFor(() => fw.earpieces.get("h1")?.heard.includes("silence") === true, "h1 hang-up handled");

  // Firmware restarts while the controller is still away; the journal is on disk.
  await fw.stop();
  fw = await startSimFirmware({ journalFile, controllerUrl: url });
  const journaled = (handset: string, offHook: boolean) =>
    fw.daemon.journal
      .pending()
      .some((e) => e.event.type === "hook" && e.event.handset === handset && e.event.offHook === offHook);
  fw.sim.lift("h7");
  await waitFor(() => journaled("h7", true), "h7 lift journaled");
  fw.sim.hangUp("h7");
  await waitFor(() => journaled("h7", false), "h7 hang-up journaled");
  t.is(received.length, deliveredBeforeOutage, "nothing delivered while the controller is away");

  // Controller comes back on the same address, knowing nothing but what it had stored.
  server = new BankServer({ lastSeq: (boardId, journalId) => stored.get(`${boardId}/${journalId}`) ?? 0 });
  collect(server);
  await server.listen(port);
  await waitFor(() => fw.daemon.serviceAvailable && fw.daemon.journal.pending().length === 0, "replay and acks");

  const seqs = received.map((r) => r.seq);
  t.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    "in sequence order",
  );
  t.is(new Set(seqs).size, seqs.length, "no duplicates");
  t.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => i + 1),
    "no gaps",
  );
  const hooks = received
    .filter((r) => r.event.type === "hook")
    .map((r) => (r.event.type === "hook" ? `${r.event.handset}:${r.event.offHook ? "up" : "down"}` : ""));
  // h1's hang-up is confirmed only after the 1 s hang-up threshold, so it follows the lifts.
  t.deepEqual(hooks, ["h1:up", "h3:up", "h5:up", "h1:down", "h7:up", "h7:down"]);
  t.true(received.some((r) => r.event.type === "kill" && r.event.unit === "B" && r.event.killed));
  t.true(received.some((r) => r.event.type === "refused" && r.event.handset === "h5"));
  t.is(received.filter((r) => r.event.type === "started").length, 2, "both firmware starts");
  const restored = received.filter((r) => r.event.type === "service" && r.event.available);
  t.true(restored.length >= 2);
});

test("a replayed event the controller already holds is dropped by sequence number", async (t) => {
  const dir = await tempDir(t);
  const server = new BankServer();
  const got: number[] = [];
  server.on("event", (e) => got.push(e.seq));
  const port = await server.listen(0);
  t.teardown(() => server.close());
  const fw = await startSimFirmware({ journalFile: join(dir, "j.json"), controllerUrl: `ws://127.0.0.1:${port}` });
  t.teardown(() => fw.stop());
  await waitFor(() => fw.daemon.serviceAvailable && fw.daemon.journal.pending().length === 0, "connected and acked");
  const n = got.length;
  // The board re-sends seq 1 (as after a lost ack): the server acks but does not deliver it again.
  const link = fw.daemon.link!;
  (link as unknown as { sendFrame(f: object): void }).sendFrame({
    v: 1,
    type: "event",
    seq: 1,
    at: 0,
    event: { type: "flash", handset: "h1" },
  });
  fw.sim.lift("h1");
  await waitFor(() => got.length > n, "next event");
  t.false(got.slice(n).includes(1));
});
