import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import test from "ava";
import type { Call } from "../../../telephony/api.ts";
import { VirtualClock } from "../../../telephony/clock.ts";
import { createEndpoint } from "../../../telephony/ua/endpoint.ts";
import { until } from "./helpers.ts";

test("after libDestroy no socket and no timer is left: the process exits by itself", async (t) => {
  const script = fileURLToPath(new URL("./exit-after-destroy.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "pipe"] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, "SIGKILL");
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  // A generous limit: the child only has to exit on its own, however slowly.
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, "SIGKILL");
    }, 30_000);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  t.is(code, 0, err);
  const report = JSON.parse(out.trim().split("\n").pop() ?? "{}") as {
    state: string;
    pendingTimers: number;
    left: string[];
  };
  t.is(report.state, "DISCONNECTED");
  t.is(report.pendingTimers, 0);
  t.deepEqual(
    report.left.filter((r) => /UDP|TCP|Timeout|Immediate/i.test(r)),
    [],
  );
});

test("libDestroy clears every timer the SIP and media layers set on the endpoint's clock", async (t) => {
  const clock = new VirtualClock();
  const a = createEndpoint({ clock });
  const b = createEndpoint({ clock });
  await a.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  const { port } = await b.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  let incoming: Call | undefined;
  b.accountCreate({ idUri: "sip:bob@127.0.0.1" }).on("incomingCall", (c) => {
    incoming = c;
    void c.answer();
  });
  const call = a.accountCreate({ idUri: "sip:alice@127.0.0.1" }).makeCall(`sip:bob@127.0.0.1:${port}`);
  await until(
    () => call.getInfo().state === "CONFIRMED" && incoming?.getInfo().state === "CONFIRMED",
    10_000,
    "call up",
  );
  await call.hangup();
  await until(() => incoming?.getInfo().state === "DISCONNECTED", 5000, "BYE reached bob");
  t.true(clock.pending() > 0, "the layers keep timers while alive (bridge tick, dialog linger)");
  await a.libDestroy();
  await b.libDestroy();
  t.is(clock.pending(), 0);
  t.is(a.pendingTimers(), 0);
});
