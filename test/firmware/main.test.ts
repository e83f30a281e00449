import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { BankServer } from "../../controller/banks/server.ts";
import { parseFirmwareArgs } from "../../firmware/main.ts";
import { tempDir, waitFor } from "./harness.ts";

test("command-line options map to the runtime's options", (t) => {
  const o = parseFirmwareArgs([
    "--board",
    "sim",
    "--controller",
    "ws://c:1",
    "--sip",
    "10.0.0.1:5060",
    "--board-id",
    "b7",
    "--control-port",
    "0",
  ]);
  t.like(o, {
    board: "sim",
    boardId: "b7",
    controllerUrl: "ws://c:1",
    sip: { controller: "10.0.0.1:5060", register: true },
    sim: { controlPort: 0 },
  });
  t.throws(() => parseFirmwareArgs(["--board", "bank-8", "--replay", "f"]), { message: /--replay needs --board sim/ });
  t.throws(() => parseFirmwareArgs(["--bogus"]));
});

test("firmware/main.ts runs the sim board against a controller, answers its control surface, and stops cleanly on SIGTERM", async (t) => {
  const dir = await tempDir(t);
  const server = new BankServer();
  const port = await server.listen(0);
  t.teardown(() => server.close());
  const journal = join(dir, "journal.json");
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--import=tsx",
      "firmware/main.ts",
      "--board",
      "sim",
      "--board-id",
      "bank-main",
      "--controller",
      `ws://127.0.0.1:${port}`,
      "--control-port",
      "0",
      "--journal",
      journal,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  t.teardown(() => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, "SIGKILL");
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  await waitFor(() => /sim control on 127\.0\.0\.1:(\d+)/.test(stderr), "control surface", 20_000);
  const controlPort = Number(/sim control on 127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]);
  await waitFor(() => server.state("bank-main")?.connected === true, "board connected", 10_000);
  const lift = await fetch(`http://127.0.0.1:${controlPort}/handsets/h1/lift`, { method: "POST" });
  t.is(lift.status, 200);
  await waitFor(() => server.state("bank-main")?.handsets.h1?.offHook === true, "hook event at the controller");
  const state = (await (await fetch(`http://127.0.0.1:${controlPort}/state`)).json()) as {
    firmware: { available: boolean; handsets: Record<string, string>; killed: string[] };
  };
  t.true(state.firmware.available);
  t.deepEqual(state.firmware.killed, []);
  const kill = await fetch(`http://127.0.0.1:${controlPort}/units/B/kill`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ active: true }),
  });
  t.is(kill.status, 200);
  await waitFor(() => server.state("bank-main")?.units.B?.killed === true, "kill at the controller");
  const afterKill = (await (await fetch(`http://127.0.0.1:${controlPort}/state`)).json()) as {
    firmware: { killed: string[] };
  };
  t.deepEqual(afterKill.firmware.killed, ["B"], "the control surface lists the dead unit");
  // No --sip: the line fails closed, so the lifted handset rests in lockout.
  await waitFor(() => server.state("bank-main")?.handsets.h1?.state === "lockout", "h1 refused without SIP");
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const [code] = await exited;
  t.is(code, 0);
  const saved = JSON.parse(await readFile(journal, "utf8")) as { nextSeq: number };
  t.true(saved.nextSeq > 1, "journal flushed to disk");
});
