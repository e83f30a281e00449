import { once } from "node:events";
import test from "ava";
import WebSocket from "ws";
import { BankServer } from "../../../controller/banks/server.ts";
import { LINK_PROTOCOL_VERSION } from "../../../firmware/link/protocol.ts";

async function setup(t: { teardown: (fn: () => Promise<void> | void) => void }, server = new BankServer()) {
  const port = await server.listen(0);
  t.teardown(() => server.close());
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  t.teardown(() => ws.terminate());
  await once(ws, "open");
  const frames: Record<string, unknown>[] = [];
  ws.on("message", (d) => frames.push(JSON.parse(d.toString())));
  const send = (f: object) => ws.send(JSON.stringify({ v: LINK_PROTOCOL_VERSION, ...f }));
  const next = async (type: string) => {
    const start = Date.now();
    for (;;) {
      const i = frames.findIndex((f) => f.type === type);
      if (i >= 0) return frames.splice(i, 1)[0] as Record<string, unknown>;
      if (Date.now() - start > 5000) throw new Error(`no ${type} frame`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const hello = () =>
    send({
      type: "hello",
      boardId: "b1",
      journalId: "j1",
      board: "sim",
      firmwareVersion: "0.1.0",
      handsets: [{ id: "h1", unit: "A" }],
      units: ["A"],
    });
  return { server, ws, send, next, hello };
}

test("a board is welcomed with the last seq the controller holds for its journal", async (t) => {
  const { next, hello } = await setup(t, new BankServer({ lastSeq: (b, j) => (b === "b1" && j === "j1" ? 41 : 0) }));
  hello();
  t.like(await next("welcome"), { ackedThrough: 41 });
});

test("each event is applied, delivered once, and acknowledged; a replay is acked but not delivered", async (t) => {
  const { server, send, next, hello } = await setup(t);
  const delivered: number[] = [];
  server.on("event", (e) => delivered.push(e.seq));
  hello();
  await next("welcome");
  send({ type: "event", seq: 1, at: 1, event: { type: "hook", handset: "h1", offHook: true } });
  t.like(await next("ack"), { seq: 1 });
  send({ type: "event", seq: 1, at: 1, event: { type: "hook", handset: "h1", offHook: true } });
  t.like(await next("ack"), { seq: 1 });
  send({
    type: "event",
    seq: 2,
    at: 2,
    event: { type: "kill", unit: "A", killed: true, sources: ["input"], cause: "input" },
  });
  await next("ack");
  t.deepEqual(delivered, [1, 2]);
  t.true(server.state("b1")?.handsets.h1?.offHook);
  t.true(server.state("b1")?.units.A?.killed);
});

test("a frame of another protocol version is refused with an error and the socket closed", async (t) => {
  const { ws, next } = await setup(t);
  const closed = once(ws, "close");
  ws.send(JSON.stringify({ v: 99, type: "hello" }));
  t.like(await next("error"), { code: "BAD_VERSION" });
  const [code] = await closed;
  t.is(code, 1002);
});

test("an invalid frame is refused with a stable code, without closing", async (t) => {
  const { send, next, ws } = await setup(t);
  send({ type: "event", seq: 0, at: 1, event: { type: "nope" } });
  t.like(await next("error"), { code: "BAD_FRAME" });
  ws.send("not json");
  t.like(await next("error"), { code: "BAD_JSON" });
  t.is(ws.readyState, WebSocket.OPEN);
});

test("commands resolve with the board's command-result", async (t) => {
  const { server, send, next, hello } = await setup(t);
  hello();
  await next("welcome");
  const result = server.kill("b1", "A");
  const cmd = await next("command");
  t.like(cmd, { command: { type: "kill", unit: "A" } });
  send({
    type: "event",
    seq: 1,
    at: 1,
    event: { type: "command-result", id: cmd.id, ok: false, error: "unknown unit" },
  });
  t.deepEqual(await result, { ok: false, error: "unknown unit" });
  await t.throwsAsync(server.kill("nobody", "A"), { message: /not connected/ });
});

test("a failing listener does not stop the others or the ack; unsubscribing removes a listener", async (t) => {
  const { server, send, next, hello } = await setup(t);
  const seen: string[] = [];
  server.on("event", () => {
    throw new Error("observer bug");
  });
  const off = server.on("event", (e) => seen.push(e.event.type));
  hello();
  await next("welcome");
  send({ type: "event", seq: 1, at: 1, event: { type: "service", available: true, downMs: 60_000, refusedLifts: 3 } });
  t.like(await next("ack"), { seq: 1 });
  t.deepEqual(seen, ["service"]);
  const before = server.listenerCount();
  off();
  t.is(server.listenerCount(), before - 1, "unsubscribing removes the listener");
});

test("with authenticate set, a board with a wrong token is refused and closed", async (t) => {
  const server = new BankServer({ authenticate: (id, token) => id === "b1" && token === "right" });
  const { ws, send, next } = await setup(t, server);
  const closed = once(ws, "close");
  send({
    type: "hello",
    boardId: "b1",
    journalId: "j1",
    board: "sim",
    firmwareVersion: "0",
    handsets: [],
    units: [],
    token: "wrong",
  });
  t.like(await next("error"), { code: "UNAUTHORIZED" });
  const [code] = await closed;
  t.is(code, 1008);
  t.is(server.state("b1"), undefined);
});

test("an event is acknowledged only once stored; a failed store closes the link without an ack", async (t) => {
  let fail = false;
  const stored: number[] = [];
  const server = new BankServer({
    store: async (e) => {
      // A slow store must not reorder: later events wait for earlier ones.
      await new Promise((r) => setTimeout(r, e.seq === 1 ? 30 : 0));
      if (fail) throw new Error("disk full");
      stored.push(e.seq);
    },
  });
  const { ws, send, next, hello } = await setup(t, server);
  hello();
  await next("welcome");
  send({ type: "event", seq: 1, at: 1, event: { type: "flash", handset: "h1" } });
  send({ type: "event", seq: 2, at: 2, event: { type: "flash", handset: "h1" } });
  t.like(await next("ack"), { seq: 1 });
  t.like(await next("ack"), { seq: 2 });
  t.deepEqual(stored, [1, 2]);
  fail = true;
  const closed = once(ws, "close");
  send({ type: "event", seq: 3, at: 3, event: { type: "flash", handset: "h1" } });
  const [code] = await closed;
  t.is(code, 1011);
  t.is(server.state("b1")?.lastSeq, 2, "the unstored event will be replayed");
});

test("a board's hello carries its kill state, so a restarted controller knows a unit is dead before any change", async (t) => {
  const { server, send, next } = await setup(t);
  send({
    type: "hello",
    boardId: "b1",
    journalId: "j1",
    board: "sim",
    firmwareVersion: "0.1.0",
    handsets: [{ id: "h1", unit: "A" }],
    units: ["A", "B"],
    kills: { B: ["command", "input"] },
  });
  await next("welcome");
  t.like(server.state("b1")?.units, {
    A: { killed: false, sources: [] },
    B: { killed: true, sources: ["command", "input"] },
  });
});
