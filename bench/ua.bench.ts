/**
 * The facade's cost of a call: two endpoints in this process on loopback UDP, each call a full
 * INVITE / 200 / ACK / BYE with a media session (two RTP sockets) on each side. Measures the
 * setup latency (makeCall → CONFIRMED) one call at a time, and the rate of complete calls with
 * several in flight.
 */
import type { Call, CallState } from "../telephony/api.ts";
import type { MediaEngine, MediaSession } from "../telephony/media/engine-types.ts";
import { createEndpoint, type EndpointDeps, type YardlineEndpoint } from "../telephony/ua/endpoint.ts";
import { type BenchResult, latencies, percentile } from "./harness.ts";

const AREA = "telephony";

function reached(call: Call, state: CallState): Promise<void> {
  if (call.getInfo().state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`call stuck in ${call.getInfo().state}`)), 10_000);
    call.on("state", (s) => {
      if (s === state) {
        clearTimeout(timer);
        resolve();
      } else if (s === "DISCONNECTED") {
        clearTimeout(timer);
        reject(new Error(`call ended: ${call.getInfo().disconnectReason}`));
      }
    });
  });
}

/** A media engine that binds nothing: isolates the cost of the facade and SIP. */
function stubEngine(): MediaEngine {
  const sdp =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
  const audio = { portId: 0, startTransmit() {}, stopTransmit() {}, adjustRxLevel() {}, adjustTxLevel() {} };
  const session = (): MediaSession => {
    const s: MediaSession = {
      createOffer: () => sdp,
      createAnswer: () => sdp,
      setRemoteAnswer() {},
      codec: "PCMU",
      audio,
      async sendDtmf() {},
      stats: () => ({ packetsReceived: 0, packetsLost: 0, packetsSent: 0, jitterMs: 0 }),
      on: () => s,
      off: () => s,
      async close() {},
    };
    return s;
  };
  const unused = () => {
    throw new Error("not used by this bench");
  };
  return {
    createSession: async () => session(),
    createPlayer: unused,
    createRecorder: unused,
    createToneGenerator: unused,
    close: async () => {},
  };
}

async function pair(
  deps: EndpointDeps = {},
): Promise<{ a: YardlineEndpoint; b: YardlineEndpoint; call: () => Promise<number> }> {
  const a = createEndpoint({}, deps);
  const b = createEndpoint({}, deps);
  await a.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  const { port } = await b.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  b.accountCreate({ idUri: "sip:bob@127.0.0.1" }).on("incomingCall", (c) => void c.answer());
  const alice = a.accountCreate({ idUri: "sip:alice@127.0.0.1" });
  return {
    a,
    b,
    /** One complete call; resolves with its setup time in ms. */
    async call() {
      const t0 = performance.now();
      const c = alice.makeCall(`sip:bob@127.0.0.1:${port}`);
      await reached(c, "CONFIRMED");
      const setup = performance.now() - t0;
      await c.hangup();
      return setup;
    },
  };
}

/** Complete calls per second with `inFlight` calls at once; and the CPU it took. */
async function callRate(
  p: Awaited<ReturnType<typeof pair>>,
  total: number,
  inFlight: number,
): Promise<{ rate: number; seconds: number; cpuSeconds: number }> {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        next++;
        await p.call();
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { rate: total / seconds, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

export async function run(): Promise<BenchResult[]> {
  const stub = await pair({ mediaEngine: stubEngine() });
  let stubbed: Awaited<ReturnType<typeof callRate>>;
  try {
    for (let i = 0; i < 50; i++) await stub.call(); // warm-up
    stubbed = await callRate(stub, 2000, 20);
  } finally {
    await stub.a.libDestroy();
    await stub.b.libDestroy();
  }
  const p = await pair();
  try {
    for (let i = 0; i < 20; i++) await p.call(); // warm-up
    const setups: number[] = [];
    await latencies(200, async () => {
      setups.push(await p.call());
    });
    setups.sort((x, y) => x - y);

    const total = 600;
    const { rate, seconds, cpuSeconds } = await callRate(p, total, 20);
    return [
      {
        area: AREA,
        name: "call setup through the facade, makeCall → CONFIRMED, p50 (loopback UDP, media sessions)",
        value: Number(percentile(setups, 50).toFixed(2)),
        unit: "ms",
        notes: `p99 ${percentile(setups, 99).toFixed(2)} ms over 200 sequential calls; both ends in one process`,
      },
      {
        area: AREA,
        name: "complete calls per second through the facade (INVITE/200/ACK/BYE, 20 in flight)",
        value: Math.round(rate),
        unit: "calls/s",
        notes: `${total} calls in ${seconds.toFixed(2)} s, ${(cpuSeconds / seconds).toFixed(2)} cores busy; both ends in this process, so each call costs two user agents, four SIP transactions and two media sessions`,
      },
      {
        area: AREA,
        name: "complete calls per second through the facade with the media engine stubbed (SIP + facade only)",
        value: Math.round(stubbed.rate),
        unit: "calls/s",
        notes: `2000 calls, 20 in flight, ${(stubbed.cpuSeconds / stubbed.seconds).toFixed(2)} cores busy; the gap to the figure above is media session setup and teardown`,
      },
      {
        area: AREA,
        name: "SIP transactions per CPU-second inside stubbed-media calls (INVITE + BYE, both ends counted)",
        value: Math.round((stubbed.rate * 4 * stubbed.seconds) / Math.max(stubbed.cpuSeconds, 1e-9)),
        unit: "transactions/CPU-s",
        anchor: { label: "PJSIP 2006 Pentium 4", value: 7000, higherIsBetter: true },
        notes:
          "each call is two INVITE and two BYE transactions (client and server side) plus dialogs, ACK and call objects",
      },
    ];
  } finally {
    await p.a.libDestroy();
    await p.b.libDestroy();
  }
}
