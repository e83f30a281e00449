/**
 * Small pieces of the monitoring stations: the account a name gives, the stored digests, and
 * the address a registered station is called at (never a host other than the one it
 * registered from).
 */
import { createHash } from "node:crypto";
import test from "ava";
import { stationCallUri } from "../../../controller/call-service.ts";
import {
  accountFromName,
  ha1Of,
  MONITOR_STATION_ACCOUNT,
} from "../../../controller/calls/monitor-station-directory.ts";
import type { Registration } from "../../../telephony/api.ts";

test("a station's account comes from its name, in the registrar's form", (t) => {
  const cases: Array<[string, string]> = [
    ["Control Room", "monitor-control-room"],
    ["  Unit B / Desk #4 ", "monitor-unit-b-desk-4"],
    ["Sala de control Ñ", "monitor-sala-de-control-n"],
    ["***", "monitor-station"],
    ["x".repeat(60), `monitor-${"x".repeat(40)}`],
  ];
  for (const [name, account] of cases) {
    t.is(accountFromName(name), account);
    t.regex(accountFromName(name), MONITOR_STATION_ACCOUNT);
  }
});

test("the stored digests are H(username:realm:password) for MD5 and SHA-256 (RFC 7616 §3.4.2)", (t) => {
  t.deepEqual(ha1Of("monitor-a", "yardline", "pw"), {
    MD5: createHash("md5").update("monitor-a:yardline:pw").digest("hex"),
    "SHA-256": createHash("sha256").update("monitor-a:yardline:pw").digest("hex"),
  });
});

const reg = (contact: string, address: string, port = 40000, transport: "udp" | "tcp" = "udp"): Registration => ({
  aor: "sip:monitor-a@10.1.0.5",
  contact,
  expiresAt: 0,
  source: { address, port, transport },
});

test("a station is called at its Contact when it names the host it registered from, else at that host", (t) => {
  t.is(stationCallUri("monitor-a", reg("sip:monitor-a@10.1.2.3:5060", "10.1.2.3")), "sip:monitor-a@10.1.2.3:5060");
  // A Contact naming another host (the carrier, an outside address) is not called.
  t.is(stationCallUri("monitor-a", reg("sip:4155550100@203.0.113.9:5060", "10.1.2.3")), "sip:monitor-a@10.1.2.3:40000");
  t.is(stationCallUri("monitor-a", reg("sip:monitor-a@10.1.2.30", "10.1.2.3")), "sip:monitor-a@10.1.2.3:40000");
  t.is(
    stationCallUri("monitor-a", reg("sip:monitor-a@evil.example", "10.1.2.3", 5070, "tcp")),
    "sip:monitor-a@10.1.2.3:5070;transport=tcp",
  );
  t.is(stationCallUri("monitor-a", reg("sip:monitor-a@[fd00::1]:5060", "fd00::1")), "sip:monitor-a@[fd00::1]:5060");
  t.is(stationCallUri("monitor-a", reg("sip:x@[fd00::2]", "fd00::1")), "sip:monitor-a@[fd00::1]:40000");
});
