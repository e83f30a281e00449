import test from "ava";
import { monitorStationPassword } from "../../../controller/call-service.ts";
import { monitorStationAccount } from "../../../controller/calls/monitor-station-account.ts";

test("a monitoring station's account: its name, the password the registrar expects, where to register", (t) => {
  const a = monitorStationAccount("s3cret", "monitor-control-room", "10.1.0.5:5060");
  t.deepEqual(a, {
    username: "monitor-control-room",
    password: monitorStationPassword("s3cret", "monitor-control-room"),
    aor: "sip:monitor-control-room@10.1.0.5",
    registrar: "sip:10.1.0.5:5060",
  });
  t.not(a.password, monitorStationPassword("other", "monitor-control-room"), "the password depends on the secret");
  t.not(a.password, monitorStationPassword("s3cret", "monitor-desk-2"), "and on the station");
  t.throws(() => monitorStationAccount("s3cret", "control-room", "10.1.0.5"), { message: /monitor-/ });
  t.throws(() => monitorStationAccount("s3cret", "monitor-Desk", "10.1.0.5"));
});
