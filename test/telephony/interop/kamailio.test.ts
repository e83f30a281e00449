/**
 * Through a real proxy: one Yardline account REGISTERs with Kamailio, another (on another
 * endpoint) calls that address of record through it. Kamailio record-routes the INVITE, so the
 * ACK and the BYE must follow the route set through the proxy; audio flows end to end.
 */
import { join } from "node:path";
import test from "ava";
import type { AudioMedia, Call } from "../../../telephony/api.ts";
import { fileHasFrequency } from "../../support/audio.ts";
import { proxyConfig, startKamailio } from "../../support/kamailio.ts";
import { delay, loopbackEndpoint, peerPort, tempDir, until, waitState } from "../ua/helpers.ts";

test("a station registered with Kamailio is called through it: Record-Route honoured, ACK and BYE via the proxy, tone heard", async (t) => {
  const kport = await peerPort();
  // The shared proxy config, plus one log line per in-dialog request it routes, so the test can
  // see the ACK and the BYE pass through the proxy rather than straight between the two ends.
  const config = proxyConfig("127.0.0.1", kport)
    .replace('loadmodule "sanity.so"', 'loadmodule "sanity.so"\nloadmodule "xlog.so"')
    .replace("if (has_totag()) {", 'if (has_totag()) {\n    xlog("L_ERR", "in-dialog $rm from $si:$sp\\n");');
  const kam = await startKamailio({ port: kport, config });
  t.teardown(() => kam.stop());
  const proxy = `sip:127.0.0.1:${kport};lr`;
  const station = await loopbackEndpoint();
  const caller = await loopbackEndpoint();
  t.teardown(() => station.ep.libDestroy());
  t.teardown(() => caller.ep.libDestroy());

  const handset = station.ep.accountCreate({
    idUri: "sip:station-101@127.0.0.1",
    registrarUri: `sip:127.0.0.1:${kport}`,
    registerExpires: 300,
  });
  const st = await handset.register();
  t.true(st.registered, `REGISTER answered ${st.code} ${st.reason}\n${kam.log().slice(-2000)}`);

  let incoming: Call | undefined;
  handset.on("incomingCall", (c) => {
    incoming = c;
    void c.answer();
  });
  const outside = caller.ep.accountCreate({ idUri: "sip:outside@127.0.0.1", proxies: [proxy] });
  const call = outside.makeCall("sip:station-101@127.0.0.1");
  await waitState(call, "CONFIRMED");
  await until(() => incoming?.getInfo().state === "CONFIRMED", 5000, "station CONFIRMED (ACK through the proxy)");
  const callee = incoming as Call;
  t.truthy(callee.getInfo().inviteHeaders?.["record-route"], "the proxy record-routed the INVITE");
  t.regex(callee.getInfo().inviteHeaders?.via ?? "", new RegExp(`127\\.0\\.0\\.1:${kport}`));

  const dir = tempDir("yl-kam-");
  const file = join(dir, "station.wav");
  const rec = await station.ep.createRecorder(file);
  (callee.getAudioMedia() as AudioMedia).startTransmit(rec.left);
  const tone = caller.ep.createToneGenerator();
  tone.play([{ freq1: 800, onMs: 1000, offMs: 0 }], true);
  tone.startTransmit(call.getAudioMedia() as AudioMedia);
  await delay(1000);
  await rec.close();
  tone.destroy();
  t.true(fileHasFrequency(file, 800, { channel: 0, minRatio: 0.5 }));

  // The station hangs up: its BYE carries the Route to the proxy and reaches the caller.
  await callee.hangup();
  await waitState(call, "DISCONNECTED");
  t.is(call.getInfo().disconnectReason, "BYE from remote");
  await until(() => /in-dialog BYE/.test(kam.log()), 5000, "the BYE in the proxy's log");
  t.regex(kam.log(), new RegExp(`in-dialog ACK from 127\\.0\\.0\\.1:${caller.port}`));
  t.regex(kam.log(), new RegExp(`in-dialog BYE from 127\\.0\\.0\\.1:${station.port}`));
  await handset.unregister();
  t.false(handset.getRegistrationState().registered);
});
