/**
 * Shared test fixtures for the alert tests: a throw-away SQLite store with every migration, a
 * channel that records what it was asked to send and fails on demand, and a config builder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ExecutionContext } from "ava";
import { AlertStore } from "../../../controller/alerts/alert-store.ts";
import { type AlertChannel, DeliveryError, type OutgoingMessage } from "../../../controller/alerts/channels/channel.ts";
import { type AlertConfig, type ChannelKind, defaultAlertConfig } from "../../../controller/alerts/config.ts";
import { openStore, type Store } from "../../../controller/store/database.ts";

export interface TestStore {
  store: Store<unknown>;
  alerts: AlertStore;
  file: string;
}

/** A fresh SQLite file in a temp dir, removed when the test ends. */
export async function tempStore(t: ExecutionContext, file?: string): Promise<TestStore> {
  let f = file;
  if (!f) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "yl-alerts-"));
    f = path.join(dir, "store.sqlite");
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  }
  const store = await openStore<unknown>({ kind: "sqlite", file: f });
  let closed = false;
  const close = store.close;
  const wrapped: Store<unknown> = {
    db: store.db,
    dialect: store.dialect,
    close: async () => {
      if (closed) return;
      closed = true;
      await close();
    },
  };
  t.teardown(() => wrapped.close());
  return { store: wrapped, alerts: AlertStore.from(wrapped), file: f };
}

/** Records every message; `failWith` makes the next sends throw. */
export class RecordingChannel implements AlertChannel {
  readonly kind: ChannelKind;
  readonly sent: OutgoingMessage[] = [];
  failWith: DeliveryError | undefined;

  constructor(kind: ChannelKind) {
    this.kind = kind;
  }

  async send(msg: OutgoingMessage): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push(msg);
  }
}

export function transient(message = "gateway unavailable"): DeliveryError {
  return new DeliveryError(message);
}

export function config(over: Partial<AlertConfig>): AlertConfig {
  return { ...defaultAlertConfig, ...over };
}

export const minute = 60_000;
