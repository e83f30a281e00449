/**
 * Small helpers for the user-agent tests: endpoints on loopback, waiting for call states and
 * events with generous timeouts (the wait decides nothing; the assertion after it does).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Call, CallState, DtmfEvent } from "../../../telephony/api.ts";
import { createEndpoint, type EndpointDeps, type YardlineEndpoint } from "../../../telephony/ua/endpoint.ts";

export async function loopbackEndpoint(deps: EndpointDeps = {}): Promise<{ ep: YardlineEndpoint; port: number }> {
  const ep = createEndpoint({}, deps);
  const { port } = await ep.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  return { ep, port };
}

export function waitState(call: Call, state: CallState, timeoutMs = 10_000): Promise<void> {
  if (call.getInfo().state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      call.off("state", listener);
      reject(new Error(`call ${call.id} never reached ${state} (is ${call.getInfo().state})`));
    }, timeoutMs);
    const listener = (s: CallState) => {
      if (s !== state) return;
      clearTimeout(timer);
      call.off("state", listener);
      resolve();
    };
    call.on("state", listener);
  });
}

/** Collects DTMF digits a call reports. */
export function collectDtmf(call: Call): DtmfEvent[] {
  const out: DtmfEvent[] = [];
  call.on("dtmf", (ev) => out.push(ev));
  return out;
}

export async function until(check: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Resolves once something has bound UDP `port` (read from /proc/net/udp, so the probe never
 * competes with the peer for the port).
 */
export async function waitUdpBound(port: number, timeoutMs = 10_000): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
  const start = Date.now();
  for (;;) {
    const table = readFileSync("/proc/net/udp", "utf8");
    if (table.split("\n").some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex.trim()))) return;
    if (Date.now() - start > timeoutMs) throw new Error(`nothing bound UDP port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Below Linux's ephemeral range (32768-60999), where port-0 binds never land. */
const PEER_PORT_LOW = 20_000;
const PEER_PORT_HIGH = 32_000;

/** A SIP port and a media port (with room for the RTP/RTCP pairs above it) for a SIPp peer. */
export async function sippPorts(): Promise<{ sip: number; media: number }> {
  return { sip: await peerPort(), media: await peerPort(4) };
}

/**
 * A port for a peer process (SIPp, baresip), `span` consecutive ports free for UDP and TCP.
 * Chosen below the ephemeral range so the endpoints and RTP sockets this test binds on port 0
 * cannot take it between our check and the peer's bind.
 */
export async function peerPort(span = 1): Promise<number> {
  const { createSocket } = await import("node:dgram");
  const { createServer } = await import("node:net");
  const free = (port: number) =>
    Promise.all([
      new Promise<boolean>((resolve) => {
        const u = createSocket("udp4");
        u.once("error", () => resolve(false));
        u.bind(port, "127.0.0.1", () => u.close(() => resolve(true)));
      }),
      new Promise<boolean>((resolve) => {
        const s = createServer();
        s.once("error", () => resolve(false));
        s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
      }),
    ]).then(([a, b]) => a && b);
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = PEER_PORT_LOW + 2 * Math.floor((Math.random() * (PEER_PORT_HIGH - PEER_PORT_LOW - span)) / 2);
    let ok = true;
    for (let p = base; p < base + span && ok; p++) ok = await free(p);
    if (ok) return base;
  }
  throw new Error("no free peer port");
}
