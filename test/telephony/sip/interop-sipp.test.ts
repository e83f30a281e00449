/**
 * Interop against SIPp (sip-tester 3.6): SIPp's built-in UAC calls our UAS, our UAC calls
 * SIPp's built-in UAS, and one call over TCP. SIPp's exit code 0 means every call passed its
 * scenario.
 */
import test, { type ExecutionContext } from "ava";
import { SystemClock } from "../../../telephony/clock.ts";
import type { SipSession } from "../../../telephony/sip/invite-session.ts";
import { TcpTransport } from "../../../telephony/sip/tcp-transport.ts";
import { UdpTransport } from "../../../telephony/sip/udp-transport.ts";
import { SipUserAgent } from "../../../telephony/sip/user-agent.ts";
import { freePort, loopbackArgs, startSippOnFreePorts } from "../../support/sipp.ts";

const ANSWER_SDP = [
  "v=0",
  "o=yardline 1 1 IN IP4 127.0.0.1",
  "s=-",
  "c=IN IP4 127.0.0.1",
  "t=0 0",
  "m=audio 40000 RTP/AVP 0",
  "a=rtpmap:0 PCMU/8000",
  "",
].join("\r\n");

async function uas(t: ExecutionContext, protocol: "UDP" | "TCP") {
  const transport =
    protocol === "UDP"
      ? await UdpTransport.bind({ host: "127.0.0.1", port: 0 })
      : await TcpTransport.bind({ host: "127.0.0.1", port: 0 });
  const ua = new SipUserAgent({ clock: new SystemClock(), transports: [transport], userAgent: "yardline-interop" });
  t.teardown(() => ua.close());
  const seen: string[] = [];
  const ended = new Promise<SipSession>((resolve) => {
    ua.on("invite", (inv) => {
      seen.push(`INVITE ${inv.request.contentType}`);
      inv.progress(180);
      const s = inv.accept({ body: ANSWER_SDP });
      s.on("ack", () => seen.push("ACK"));
      s.on("bye", () => {
        seen.push("BYE");
        resolve(s);
      });
    });
  });
  return { ua, port: transport.local.port, seen, ended };
}

for (const protocol of ["UDP", "TCP"] as const) {
  test(`SIPp -sn uac${protocol === "TCP" ? " -t t1" : ""} calls our UAS: 180, 200 with SDP, ACK, BYE, exit code 0`, async (t) => {
    const { port, seen, ended } = await uas(t, protocol);
    const { run: sipp } = await startSippOnFreePorts(
      async () => ({ sip: await freePort() }),
      (p) => ({
        args: [
          "-sn",
          "uac",
          `127.0.0.1:${port}`,
          ...loopbackArgs(p),
          "-s",
          "5551234",
          "-m",
          "1",
          "-timeout",
          "20s",
          ...(protocol === "TCP" ? ["-t", "t1"] : []),
        ],
      }),
    );
    t.teardown(() => sipp.stop());
    const result = await sipp.exited;
    if (result.code !== 0) t.log(result.stdout.slice(-3000), result.stderr.slice(-2000));
    t.is(result.code, 0);
    const session = await ended;
    t.deepEqual(seen, ["INVITE application/sdp", "ACK", "BYE"]);
    t.is(session.state, "terminated");
  });
}

test("our UAC calls SIPp -sn uas: INVITE with SDP, 200, ACK, BYE answered 200, SIPp exit code 0", async (t) => {
  const {
    run: sipp,
    ports: { sip: sippPort },
  } = await startSippOnFreePorts(
    async () => ({ sip: await freePort() }),
    (p) => ({ args: ["-sn", "uas", ...loopbackArgs(p), "-m", "1"] }),
  );
  t.teardown(() => sipp.stop());
  const ua = new SipUserAgent({
    clock: new SystemClock(),
    transports: [await UdpTransport.bind({ host: "127.0.0.1", port: 0 })],
  });
  t.teardown(() => ua.close());
  // Our INVITE is retransmitted (Timer A) until SIPp is up and answers.
  const call = ua.invite({
    target: `sip:service@127.0.0.1:${sippPort}`,
    from: "sip:station-101@127.0.0.1",
    body: ANSWER_SDP,
  });
  const out = await call.outcome;
  if (out.kind !== "accepted") return t.fail(`call ${out.kind}`);
  t.true(out.response.bodyText.includes("m=audio"));
  const bye = await out.session.bye();
  t.is(bye?.status, 200);
  const result = await sipp.exited;
  if (result.code !== 0) t.log(result.stdout.slice(-3000));
  t.is(result.code, 0);
});
