/**
 * Alerts: what raising an alert costs the call path, how fast the outbox drains, and how long a
 * real SMTP delivery takes from raise() to the mail server.
 *
 * Anchors: the spec asks for alerts "in real-time" (IWTS, System-wide hot number capability);
 * we hold raise() to well under a millisecond (it runs inside call processing: 1 ms is 1/20 of
 * an RTP packet interval) and a page to the mail server within one second.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AlertService } from "../controller/alerts/alert-service.ts";
import { AlertStore } from "../controller/alerts/alert-store.ts";
import type { AlertChannel, OutgoingMessage } from "../controller/alerts/channels/channel.ts";
import { EmailChannel } from "../controller/alerts/channels/email.ts";
import { type AlertConfig, defaultAlertConfig } from "../controller/alerts/config.ts";
import { openStore } from "../controller/store/database.ts";
import { SystemClock } from "../telephony/clock.ts";
import { startSmtpServer } from "../test/support/smtp.ts";
import { type BenchResult, percentile } from "./harness.ts";

const area = "alerts";

const cfg: AlertConfig = {
  ...defaultAlertConfig,
  recipients: [{ id: "ann", name: "Ann", contacts: [{ channel: "email", address: "ann@bench.test" }] }],
  routes: [{ steps: [{ targets: [{ recipient: "ann" }], ackTimeoutMs: 3_600_000 }] }],
};

class NullChannel implements AlertChannel {
  readonly kind = "email" as const;
  count = 0;
  async send(_m: OutgoingMessage): Promise<void> {
    this.count++;
  }
}

async function withStore<T>(fn: (s: AlertStore) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "yl-alerts-bench-"));
  const store = await openStore<unknown>({ kind: "sqlite", file: path.join(dir, "s.sqlite") });
  try {
    return await fn(AlertStore.from(store));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];

  // 1. raise() cost and outbox drain, with a channel that costs nothing.
  await withStore(async (store) => {
    const ch = new NullChannel();
    const svc = new AlertService({
      clock: new SystemClock(),
      store,
      channels: { email: ch },
      config: cfg,
      publicBaseUrl: "https://bench.test",
    });
    await svc.start();
    const n = 2000;
    const costs: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      svc.raise({ type: "bank-offline", facilityId: "F1", bankId: `B${i}` });
      costs.push(performance.now() - s);
    }
    await svc.idle();
    const drainMs = performance.now() - t0;
    await svc.stop();
    costs.sort((a, b) => a - b);
    out.push({
      area,
      name: "raise() on the call path, p99",
      value: percentile(costs, 99) * 1000,
      unit: "µs",
      anchor: { label: "budget: 1 ms", value: 1000, higherIsBetter: false },
      notes: `${n} distinct alerts raised back to back; p50 ${(percentile(costs, 50) * 1000).toFixed(1)} µs`,
    });
    out.push({
      area,
      name: "alerts stored, routed and delivered per second (SQLite, no-op channel)",
      value: (n / drainMs) * 1000,
      unit: "alerts/s",
      notes: `${n} alerts, each one alert row, one outbox row, one log row; ${ch.count} delivered`,
    });
  });

  // 2. raise() → message at a real SMTP server (smtp-server on loopback, AUTH PLAIN).
  await withStore(async (store) => {
    const auth = { user: "bench", pass: "bench" };
    const smtp = await startSmtpServer({ auth });
    const svc = new AlertService({
      clock: new SystemClock(),
      store,
      channels: {
        email: new EmailChannel({ host: "127.0.0.1", port: smtp.port, secure: false, auth, from: "yl@bench.test" }),
      },
      config: cfg,
      publicBaseUrl: "https://bench.test",
    });
    await svc.start();
    const n = 40;
    const lat: number[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        svc.raise({ type: "trunk-unreachable", facilityId: "F1", trunkId: `T${i}` });
        await smtp.waitFor(i + 1);
        lat.push(performance.now() - t0);
      }
    } finally {
      await svc.stop();
      await smtp.close();
    }
    lat.sort((a, b) => a - b);
    out.push({
      area,
      name: "raise() to message at the SMTP server, p95",
      value: percentile(lat, 95),
      unit: "ms",
      anchor: { label: "target: 1 s", value: 1000, higherIsBetter: false },
      notes: `${n} alerts one at a time, new SMTP connection each; p50 ${percentile(lat, 50).toFixed(1)} ms`,
    });
  });

  return out;
}
