import test from "ava";
import type { Call } from "../../../telephony/api.ts";
import { VirtualClock } from "../../../telephony/clock.ts";
import { createEndpoint } from "../../../telephony/ua/endpoint.ts";
import { loopbackEndpoint, until, waitState } from "./helpers.ts";

const USERS: Record<string, string> = { "station-101": "s3cret" };
const lookup = (username: string) => (USERS[username] ? { password: USERS[username] as string } : undefined);

test("an account registers with digest credentials, is listed with its source address, and can then be called", async (t) => {
  const controller = await loopbackEndpoint();
  const station = await loopbackEndpoint();
  t.teardown(() => controller.ep.libDestroy());
  t.teardown(() => station.ep.libDestroy());
  controller.ep.registrarStart("yardline", lookup);
  const trunk = controller.ep.accountCreate({ idUri: "sip:controller@127.0.0.1" });

  const acc = station.ep.accountCreate({
    idUri: "sip:station-101@127.0.0.1",
    registrarUri: `sip:127.0.0.1:${controller.port}`,
    registerExpires: 120,
    credentials: [{ realm: "*", username: "station-101", password: "s3cret" }],
  });
  const events: boolean[] = [];
  acc.on("regState", (s) => events.push(s.registered));
  const st = await acc.register();
  t.true(st.registered);
  t.is(st.code, 200);
  t.is(st.expires, 120);
  t.deepEqual(events, [true]);
  const regs = controller.ep.registrations();
  t.is(regs.length, 1);
  t.is(regs[0]?.aor, "sip:station-101@127.0.0.1");
  t.is(regs[0]?.source.port, station.port);
  t.regex(regs[0]?.contact ?? "", new RegExp(`station-101@127\\.0\\.0\\.1:${station.port}`));

  // The controller calls the registered contact; the station's account takes it.
  let incoming: Call | undefined;
  acc.on("incomingCall", (c) => {
    incoming = c;
    void c.answer();
  });
  const call = trunk.makeCall((regs[0]?.contact ?? "").replace(/^<|>$/g, ""));
  await waitState(call, "CONFIRMED");
  await until(() => incoming?.getInfo().state === "CONFIRMED", 5000, "station answered");
  await call.hangup();
  await until(() => incoming?.getInfo().state === "DISCONNECTED", 5000, "station hung up");

  await acc.unregister();
  t.false(acc.getRegistrationState().registered);
  t.is(controller.ep.registrations().length, 0);
});

test("a wrong password is refused with 401 and an unknown user with 403", async (t) => {
  const controller = await loopbackEndpoint();
  const station = await loopbackEndpoint();
  t.teardown(() => controller.ep.libDestroy());
  t.teardown(() => station.ep.libDestroy());
  controller.ep.registrarStart("yardline", lookup);
  const wrong = station.ep.accountCreate({
    idUri: "sip:station-101@127.0.0.1",
    registrarUri: `sip:127.0.0.1:${controller.port}`,
    credentials: [{ realm: "yardline", username: "station-101", password: "guess" }],
  });
  const unknown = station.ep.accountCreate({
    idUri: "sip:intruder@127.0.0.1",
    registrarUri: `sip:127.0.0.1:${controller.port}`,
    credentials: [{ realm: "*", username: "intruder", password: "x" }],
  });
  const a = await wrong.register();
  t.false(a.registered);
  t.is(a.code, 401);
  const b = await unknown.register();
  t.false(b.registered);
  t.is(b.code, 403);
  t.is(controller.ep.registrations().length, 0);
});

test("a registration is refreshed before it expires, so the binding outlives its first expiry (virtual time)", async (t) => {
  const clock = new VirtualClock();
  const controller = createEndpoint({ clock });
  const station = createEndpoint({ clock });
  t.teardown(() => controller.libDestroy());
  t.teardown(() => station.libDestroy());
  const { port } = await controller.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  await station.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  controller.registrarStart("yardline", lookup);
  const acc = station.accountCreate({
    idUri: "sip:station-101@127.0.0.1",
    registrarUri: `sip:127.0.0.1:${port}`,
    registerExpires: 60,
    credentials: [{ realm: "*", username: "station-101", password: "s3cret" }],
  });
  const seen: number[] = [];
  acc.on("regState", (s) => seen.push(s.expires));
  await acc.register();
  t.deepEqual(seen, [60]);
  const firstExpiry = controller.registrations()[0]?.expiresAt ?? 0;
  // RegisterClient refreshes 30 s before expiry for a 60 s binding (half the interval).
  clock.advance(31_000);
  await until(() => seen.length === 2, 5000, "the refresh");
  t.true((controller.registrations()[0]?.expiresAt ?? 0) > firstExpiry);
  clock.advance(40_000); // past the first binding's expiry
  t.is(controller.registrations().length, 1);
  await acc.unregister();
  t.is(controller.registrations().length, 0);
});
