/**
 * The registrar (RFC 3261 §10.3) and the REGISTER client (§10.2) over real UDP sockets, with
 * binding expiry and refresh in virtual time.
 */
import test, { type ExecutionContext } from "ava";
import { VirtualClock } from "../../../telephony/clock.ts";
import { RegisterClient, refreshDelayMs, type RegisterStatus } from "../../../telephony/sip/register-client.ts";
import { Registrar } from "../../../telephony/sip/registrar.ts";
import { UdpTransport } from "../../../telephony/sip/udp-transport.ts";
import { SipUserAgent } from "../../../telephony/sip/user-agent.ts";

const USERS: Record<string, string> = { "station-101": "s3cret", "station-102": "other" };

async function setup(t: ExecutionContext, opts: { auth?: boolean } = {}) {
  const clock = new VirtualClock();
  const server = new SipUserAgent({ clock, transports: [await UdpTransport.bind({ host: "127.0.0.1", port: 0 })] });
  const registrar = new Registrar({
    clock,
    realm: "yardline",
    ...(opts.auth === false
      ? {}
      : { lookup: (u: string) => (USERS[u] !== undefined ? { password: USERS[u] as string } : undefined) }),
  });
  server.useRegistrar(registrar);
  const phone = new SipUserAgent({ clock, transports: [await UdpTransport.bind({ host: "127.0.0.1", port: 0 })] });
  t.teardown(async () => {
    registrar.close();
    await server.close();
    await phone.close();
  });
  const registrarUri = `sip:127.0.0.1:${server.layer.transports[0]!.local.port}`;
  return { clock, server, registrar, phone, registrarUri };
}

const nextState = (c: RegisterClient) => c.wait("state").then(([s]) => s as RegisterStatus);

test("REGISTER is challenged, retried with digest credentials and bound under the AOR with its source address", async (t) => {
  const { registrar, phone, registrarUri } = await setup(t);
  const client = new RegisterClient(phone, {
    registrar: registrarUri,
    aor: "sip:station-101@yardline",
    expires: 600,
    credentials: [{ realm: "yardline", username: "station-101", password: "s3cret" }],
  });
  const st = await client.register();
  client.stop();
  t.true(st.registered);
  t.is(st.code, 200);
  t.is(st.expires, 600);
  const b = registrar.lookup("sip:station-101@yardline");
  t.is(b.length, 1);
  t.is(b[0]?.source.address, "127.0.0.1");
  t.is(b[0]?.source.port, phone.layer.transports[0]!.local.port);
  t.is(b[0]?.source.transport, "udp");
  t.true(b[0]?.contact.startsWith("sip:station-101@127.0.0.1:"));
});

test("a wrong password ends with 401 and no binding; an unknown user gets 403", async (t) => {
  const { registrar, phone, registrarUri } = await setup(t);
  const wrong = new RegisterClient(phone, {
    registrar: registrarUri,
    aor: "sip:station-101@yardline",
    credentials: [{ realm: "*", username: "station-101", password: "nope" }],
  });
  const st = await wrong.register();
  wrong.stop();
  t.false(st.registered);
  t.is(st.code, 401);
  const stranger = new RegisterClient(phone, {
    registrar: registrarUri,
    aor: "sip:mallory@yardline",
    credentials: [{ realm: "*", username: "mallory", password: "x" }],
  });
  const st2 = await stranger.register();
  stranger.stop();
  t.is(st2.code, 403);
  t.deepEqual(registrar.registrations(), []);
});

test("a station may only register its own AOR (403 for another user's)", async (t) => {
  const { phone, registrarUri } = await setup(t);
  const c = new RegisterClient(phone, {
    registrar: registrarUri,
    aor: "sip:station-102@yardline",
    credentials: [{ realm: "*", username: "station-101", password: "s3cret" }],
  });
  const st = await c.register();
  c.stop();
  t.is(st.code, 403);
});

test("a binding expires on the clock when it is not refreshed", async (t) => {
  const { clock, registrar, phone, registrarUri } = await setup(t, { auth: false });
  const c = new RegisterClient(phone, { registrar: registrarUri, aor: "sip:station-101@yardline", expires: 120 });
  await c.register();
  c.stop();
  t.is(registrar.lookup("sip:station-101@yardline").length, 1);
  clock.advance(119_000);
  t.is(registrar.lookup("sip:station-101@yardline").length, 1);
  clock.advance(1_000);
  t.is(registrar.lookup("sip:station-101@yardline").length, 0);
});

test("the REGISTER client refreshes before expiry, so the binding never lapses", async (t) => {
  const { clock, registrar, phone, registrarUri } = await setup(t, { auth: false });
  const c = new RegisterClient(phone, { registrar: registrarUri, aor: "sip:station-101@yardline", expires: 120 });
  t.teardown(() => c.stop());
  await c.register();
  const first = registrar.lookup("sip:station-101@yardline")[0]?.expiresAt ?? 0;
  t.is(refreshDelayMs(120), 88_000);
  const refreshed = nextState(c);
  clock.advance(88_000);
  const st = await refreshed;
  t.true(st.registered);
  const second = registrar.lookup("sip:station-101@yardline")[0]?.expiresAt ?? 0;
  t.is(second - first, 88_000);
  // Past the first expiry the binding is still there.
  clock.advance(40_000);
  t.is(registrar.lookup("sip:station-101@yardline").length, 1);
});

test("unregister (Expires: 0) removes the binding", async (t) => {
  const { registrar, phone, registrarUri } = await setup(t, { auth: false });
  const c = new RegisterClient(phone, { registrar: registrarUri, aor: "sip:station-101@yardline" });
  await c.register();
  t.is(registrar.registrations().length, 1);
  const st = await c.unregister();
  t.is(st.state, "unregistered");
  t.is(registrar.registrations().length, 0);
});

test("too short an interval gets 423 with Min-Expires and the client retries with it", async (t) => {
  const { registrar, phone, registrarUri } = await setup(t, { auth: false });
  const c = new RegisterClient(phone, { registrar: registrarUri, aor: "sip:station-101@yardline", expires: 10 });
  const st = await c.register();
  c.stop();
  t.true(st.registered);
  t.is(st.expires, 60);
  t.is(registrar.registrations().length, 1);
});

test("Contact: * with Expires: 0 removes every binding of the AOR; without Expires: 0 it is a 400", async (t) => {
  const { registrar, phone, registrarUri } = await setup(t, { auth: false });
  const c = new RegisterClient(phone, { registrar: registrarUri, aor: "sip:station-101@yardline" });
  await c.register();
  c.stop();
  const bad = await phone.request("REGISTER", {
    target: registrarUri,
    from: "sip:station-101@yardline",
    to: "sip:station-101@yardline",
    headers: { Contact: "*", Expires: "60" },
  });
  t.is(bad.status, 400);
  const ok = await phone.request("REGISTER", {
    target: registrarUri,
    from: "sip:station-101@yardline",
    to: "sip:station-101@yardline",
    headers: { Contact: "*", Expires: "0" },
  });
  t.is(ok.status, 200);
  t.is(registrar.registrations().length, 0);
});
