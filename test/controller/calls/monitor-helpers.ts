/**
 * Helpers for the monitoring tests: a tone sent into a call, a listener that records what a
 * call's far end sent us (what that side "hears"), monitoring stations set up and registered.
 */
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import path from "node:path";
import type { Call } from "../../../telephony/api.ts";
import { answerChallenge, formatCredentials, parseChallenge } from "../../../telephony/sip/digest.ts";
import { DEMO_FACILITY_ID } from "../../../controller/domain/seed.ts";
import { createEndpoint, type YardlineEndpoint } from "../../../telephony/ua/endpoint.ts";
import { presenceRatio, readWav } from "../../support/audio.ts";
import type { Harness } from "./harness.ts";

/** Sends a continuous tone of `freq` into `call` until stopped. */
export function sendTone(ep: YardlineEndpoint, call: Call, freq: number): () => void {
  const tone = ep.createToneGenerator();
  tone.startTransmit(call.getAudioMedia()!);
  tone.play([{ freq1: freq, onMs: 1000, offMs: 0, levelDbm0: -12 }], true);
  return () => tone.destroy();
}

/** Records what `call` receives; `stop()` returns the seconds each asked frequency was present. */
export async function listen(
  ep: YardlineEndpoint,
  call: Call,
  dir: string,
  name: string,
): Promise<{ stop(): Promise<(freq: number) => number> }> {
  const file = path.join(dir, `${name}-${Date.now()}.wav`);
  const rec = await ep.createRecorder(file);
  const port = call.getAudioMedia()!;
  port.startTransmit(rec.left);
  return {
    async stop() {
      port.stopTransmit(rec.left);
      await rec.close();
      const samples = readWav(file).channel(0);
      return (freq: number) => (presenceRatio(samples, freq) * samples.length) / 8000;
    },
  };
}

/**
 * A monitoring station set up by an administrator for the demo facility and registered with
 * the controller under its own credential. The caller destroys `ep`.
 */
export async function setUpStation(h: Harness, account: string, name: string, register = true) {
  const { station, password } = await h.svc.stations.create(
    { name, account, facilityIds: [DEMO_FACILITY_ID] },
    "admin",
  );
  const ep = createEndpoint({ userAgent: `test monitoring station ${name}` });
  const { port } = await ep.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  const acct = ep.accountCreate({
    idUri: `sip:${account}@127.0.0.1`,
    registrarUri: `sip:127.0.0.1:${h.svc.sipPort}`,
    credentials: [{ realm: "*", username: account, password }],
  });
  if (register && !(await acct.register()).registered) throw new Error(`${account} could not register`);
  return { ep, account: acct, station, password, port };
}

/**
 * Registers `account` with the controller for a phone listening at 127.0.0.1:`contactPort`, the
 * way the phone itself would (REGISTER, 401, REGISTER with digest credentials), from another
 * port of the same host. For phones that cannot answer the registrar's challenge themselves:
 * baresip 1.0 (libre 1.1) gives up on the SHA-256 challenge offered first.
 */
export async function registerFor(h: Harness, account: string, password: string, contactPort: number): Promise<void> {
  const sock = dgram.createSocket("udp4");
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
  try {
    const myPort = sock.address().port;
    const callId = randomBytes(8).toString("hex");
    const tag = randomBytes(4).toString("hex");
    const ruri = `sip:127.0.0.1:${h.svc.sipPort}`;
    const send = (cseq: number, extra: string[]) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to REGISTER ${cseq}`)), 5000);
        const onMessage = (m: Buffer) => {
          const text = m.toString();
          if (!/^SIP\/2\.0 [2-9]/.test(text)) return;
          clearTimeout(timer);
          sock.off("message", onMessage);
          resolve(text);
        };
        sock.on("message", onMessage);
        const msg = [
          `REGISTER ${ruri} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${myPort};branch=z9hG4bK${randomBytes(6).toString("hex")};rport`,
          "Max-Forwards: 70",
          `From: <sip:${account}@127.0.0.1>;tag=${tag}`,
          `To: <sip:${account}@127.0.0.1>`,
          `Call-ID: ${callId}`,
          `CSeq: ${cseq} REGISTER`,
          `Contact: <sip:${account}@127.0.0.1:${contactPort}>`,
          "Expires: 600",
          ...extra,
          "Content-Length: 0",
          "",
          "",
        ].join("\r\n");
        sock.send(msg, h.svc.sipPort, "127.0.0.1");
      });
    const first = await send(1, []);
    const header = first
      .split("\r\n")
      .filter((l) => /^WWW-Authenticate:/i.test(l))
      .map((l) => l.replace(/^WWW-Authenticate:\s*/i, ""))[0];
    const ch = header ? parseChallenge(header) : undefined;
    if (!ch) throw new Error(`no challenge: ${first.split("\r\n")[0]}`);
    const cred = answerChallenge(ch, { username: account, password }, "REGISTER", ruri);
    const second = await send(2, [`Authorization: ${formatCredentials(cred)}`]);
    if (!second.startsWith("SIP/2.0 200")) throw new Error(`REGISTER refused: ${second.split("\r\n")[0]}`);
  } finally {
    sock.close();
  }
}
