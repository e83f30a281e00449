/**
 * SIPp (somebody else's SIP implementation) calls Yardline and is called by it; the RFC 4733
 * digits SIPp plays from its bundled captures (dtmf_2833_*.pcap) must come out of the Yardline
 * Call as `dtmf` events, and an INFO application/dtmf-relay digit too.
 */
import { readFileSync } from "node:fs";
import test from "ava";
import type { Call } from "../../../telephony/api.ts";
import { loopbackArgs, startSippOnFreePorts } from "../../support/sipp.ts";
import { collectDtmf, loopbackEndpoint, sippPorts, until, waitState, waitUdpBound } from "../ua/helpers.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/interop/${name}`, import.meta.url), "utf8");

test("SIPp calling Yardline: RFC 4733 digits 5, 9, # and an INFO digit 3 are reported, BYE from remote ends it", async (t) => {
  const { ep, port } = await loopbackEndpoint();
  t.teardown(() => ep.libDestroy());
  const acc = ep.accountCreate({ idUri: "sip:yardline@127.0.0.1" });
  let call: Call | undefined;
  const digits: { digit: string; method: string }[] = [];
  acc.on("incomingCall", (c) => {
    call = c;
    c.on("dtmf", (ev) => digits.push({ digit: ev.digit, method: ev.method }));
    void c.answer();
  });
  const { run: sipp } = await startSippOnFreePorts(sippPorts, (p) => ({
    scenario: { name: "uac-dtmf.xml", xml: fixture("uac-dtmf.xml") },
    args: [
      "-sf",
      "uac-dtmf.xml",
      `127.0.0.1:${port}`,
      ...loopbackArgs(p),
      "-s",
      "5551234",
      "-m",
      "1",
      "-timeout",
      "20s",
    ],
  }));
  t.teardown(() => sipp.stop());
  const result = await sipp.exited;
  t.is(result.code, 0, result.stdout.slice(-2000) + result.stderr);
  await until(() => call?.getInfo().state === "DISCONNECTED", 5000, "call end");
  const info = (call as Call).getInfo();
  t.is(info.requestUser, "5551234");
  t.is(info.inviteHeaders?.["x-facility"], "east-42");
  t.is(info.disconnectReason, "BYE from remote");
  t.deepEqual(digits, [
    { digit: "5", method: "rfc4733" },
    { digit: "9", method: "rfc4733" },
    { digit: "#", method: "rfc4733" },
    { digit: "3", method: "info" },
  ]);
});

test("Yardline calling SIPp: digits 1 and 9 SIPp sends after answering are reported, our BYE ends it", async (t) => {
  const { ep } = await loopbackEndpoint();
  t.teardown(() => ep.libDestroy());
  const acc = ep.accountCreate({ idUri: "sip:station-7@127.0.0.1" });
  const {
    run: sipp,
    ports: { sip: sippPort },
  } = await startSippOnFreePorts(sippPorts, (p) => ({
    scenario: { name: "uas-dtmf.xml", xml: fixture("uas-dtmf.xml") },
    args: ["-sf", "uas-dtmf.xml", ...loopbackArgs(p), "-m", "1", "-timeout", "20s"],
  }));
  t.teardown(() => sipp.stop());
  await waitUdpBound(sippPort);
  const call = acc.makeCall(`sip:sipp@127.0.0.1:${sippPort}`);
  const digits = collectDtmf(call);
  await waitState(call, "CONFIRMED");
  await until(() => digits.length >= 2, 10_000, "two digits");
  await call.hangup();
  const result = await sipp.exited;
  t.is(result.code, 0, result.stdout.slice(-2000) + result.stderr);
  t.deepEqual(
    digits.map((d) => d.digit),
    ["1", "9"],
  );
  t.is(call.getInfo().disconnectReason, "local hangup");
});

function authTrunk() {
  return startSippOnFreePorts(sippPorts, (p) => ({
    scenario: { name: "uas-auth.xml", xml: fixture("uas-auth.xml") },
    args: ["-sf", "uas-auth.xml", ...loopbackArgs(p)].concat(["-m", "1", "-timeout", "20s"]),
  }));
}

for (const [password, expected] of [
  ["hunter2", "CONFIRMED"],
  ["wrong", "403"],
] as const) {
  test(`Yardline calling a SIPp trunk that answers 401: the INVITE retried with ${password === "hunter2" ? "the right" : "a wrong"} password is ${expected === "CONFIRMED" ? "answered" : "refused 403"} by SIPp's own digest check`, async (t) => {
    const { ep } = await loopbackEndpoint();
    t.teardown(() => ep.libDestroy());
    const {
      run: sipp,
      ports: { sip: sippPort },
    } = await authTrunk();
    t.teardown(() => sipp.stop());
    await waitUdpBound(sippPort);
    const acc = ep.accountCreate({
      idUri: "sip:station-3@127.0.0.1",
      credentials: [{ realm: "trunk.example", username: "station-3", password }],
    });
    const call = acc.makeCall(`sip:5551234@127.0.0.1:${sippPort}`);
    if (expected === "CONFIRMED") {
      await waitState(call, "CONFIRMED");
      await call.hangup();
    } else {
      await waitState(call, "DISCONNECTED");
      t.is(call.getInfo().lastStatusCode, 403);
    }
    const result = await sipp.exited;
    t.is(result.code, 0, result.stdout.slice(-1500) + result.stderr);
  });
}
