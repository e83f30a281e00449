/**
 * Run as a child process by lib-destroy.test.ts: two endpoints on loopback register, call each
 * other and then are destroyed mid-call. Afterwards nothing may keep the event loop alive: the
 * process must exit by itself. It prints what is still active (by type) for the test to read.
 */
import type { Call } from "../../../telephony/api.ts";
import { createEndpoint } from "../../../telephony/ua/endpoint.ts";

const before = new Set(process.getActiveResourcesInfo());
const a = createEndpoint();
const b = createEndpoint();
await a.transportCreate("udp", { host: "127.0.0.1", port: 0 });
const { port } = await b.transportCreate("udp", { host: "127.0.0.1", port: 0 });
b.registrarStart("yardline", () => ({ password: "pw" }));
const registered = a.accountCreate({
  idUri: "sip:station-1@127.0.0.1",
  registrarUri: `sip:127.0.0.1:${port}`,
  credentials: [{ realm: "*", username: "station-1", password: "pw" }],
});
await registered.register();
const bob = b.accountCreate({ idUri: "sip:bob@127.0.0.1" });
bob.on("incomingCall", (c: Call) => void c.answer());
const call = a.accountCreate({ idUri: "sip:alice@127.0.0.1" }).makeCall(`sip:bob@127.0.0.1:${port}`);
await new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("no answer")), 10_000);
  call.on("state", (s) => {
    if (s === "CONFIRMED") {
      clearTimeout(timer);
      resolve();
    }
  });
});
const player = a.createPlayer();
const tone = a.createToneGenerator();
tone.play("dial", true);
await a.libDestroy();
await b.libDestroy();
player.destroy();
// A dgram socket closed without a callback lets go of its handle on the next turn of the loop.
await new Promise((r) => setImmediate(r));
const left = process.getActiveResourcesInfo().filter((r) => !before.has(r));
console.log(
  JSON.stringify({ state: call.getInfo().state, pendingTimers: a.pendingTimers() + b.pendingTimers(), left }),
);
