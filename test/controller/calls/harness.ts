/**
 * An in-process controller call path on loopback for end-to-end call tests: a SQLite store with
 * the demo agency, the real call service, a handset (a Yardline endpoint registered as a station,
 * as the firmware does) and a trunk peer (a Yardline endpoint answering as the called party).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Account, Call } from "../../../telephony/api.ts";
import { waitState } from "../../telephony/ua/helpers.ts";
import { createEndpoint, type YardlineEndpoint } from "../../../telephony/ua/endpoint.ts";
import { type CallService, startCallService, bankPassword } from "../../../controller/call-service.ts";
import type { FlowConfig } from "../../../controller/calls/call-session.ts";
import type { CallEventMap } from "../../../controller/calls/events.ts";
import { openDemoFacilityAllDay, seedDemoAgency } from "../../../controller/domain/seed.ts";
import { type DomainStore, openDomainStore } from "../../../controller/store/domain-store.ts";
import { sine, writeWav } from "../../support/audio.ts";

/** Generated prompts are shared by every test run (named by content hash). */
export const PROMPTS_CACHE = path.join(os.tmpdir(), "yardline-test-prompts");

export interface Harness {
  dir: string;
  ds: DomainStore;
  svc: CallService;
  trunk: { ep: YardlineEndpoint; account: Account; port: number };
  handsetEp: YardlineEndpoint;
  /** Events from the call bus, in order. */
  events: Array<{ name: keyof CallEventMap; payload: unknown }>;
  waitEvent<K extends keyof CallEventMap>(
    name: K,
    pred?: (p: CallEventMap[K]) => boolean,
    ms?: number,
  ): Promise<CallEventMap[K]>;
  /** Registers station `stationId` and lifts its handset: a call to the controller. */
  lift(stationId?: string): Promise<Call>;
  close(): Promise<void>;
}

/** A demo number as keyed on a handset (national, without +1). */
export const national = (e164: string) => e164.slice(2);

/** The called party answers every call and presses `key` once the acceptance menu has been heard. */
export function answerAndPress(h: Harness, key: string): { call(): Call | undefined } {
  let current: Call | undefined;
  h.trunk.account.on("incomingCall", (call) => {
    current = call;
    void call.answer({ statusCode: 180 }).then(() => call.answer());
  });
  h.svc.bus.on("call.awaitingAcceptance", () => void current?.dialDtmf(key));
  return { call: () => current };
}

export async function startHarness(flow: Partial<FlowConfig> = {}): Promise<Harness> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "yl-calls-"));
  const ds = await openDomainStore({ kind: "sqlite", file: path.join(dir, "yardline.db") });
  await seedDemoAgency(ds, Date.now());
  await openDemoFacilityAllDay(ds);
  // A recorded name for every demo inmate, so the first-use name step is skipped unless a test wants it.
  const name = path.join(dir, "name.wav");
  writeWav(name, sine([300], 800, { levelDbm0: -16 }));
  await ds.db.updateTable("inmates").set({ recordedName: name }).execute();

  const trunkEp = createEndpoint({ userAgent: "test trunk" });
  const { port: trunkPort } = await trunkEp.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  const trunkAccount = trunkEp.accountCreate({ idUri: "sip:trunk@127.0.0.1" });

  const svc = await startCallService({
    ds,
    dataDir: dir,
    sip: { host: "127.0.0.1", port: 0 },
    trunk: { host: "127.0.0.1", port: trunkPort },
    sipSecret: "test-secret",
    promptsDir: PROMPTS_CACHE,
    flow: { ringTimeoutSec: 8, responseTimeoutSec: 4, ...flow },
  });
  const events: Harness["events"] = [];
  const names = [
    "call.started",
    "call.updated",
    "call.ended",
    "call.denied",
    "call.awaitingAcceptance",
    "hotnumber.dialled",
    "hotnumber.connected",
    "fraud.extraDigits",
    "fraud.hookFlash",
    "flow.error",
  ] as const;
  const waiters = new Set<() => void>();
  for (const n of names) {
    svc.bus.on(n, (payload: unknown) => {
      events.push({ name: n, payload });
      for (const w of [...waiters]) w();
    });
  }
  const handsetEp = createEndpoint({ userAgent: "test handset" });
  await handsetEp.transportCreate("udp", { host: "127.0.0.1", port: 0 });

  return {
    dir,
    ds,
    svc,
    trunk: { ep: trunkEp, account: trunkAccount, port: trunkPort },
    handsetEp,
    events,
    waitEvent(name, pred = () => true, ms = 90_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.find((e) => e.name === name && pred(e.payload as never));
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit.payload as never);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${name} event within ${ms} ms; saw ${events.map((e) => e.name).join(", ")}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    async lift(stationId = "demo-st-1") {
      const acc = handsetEp.accountCreate({
        idUri: `sip:${stationId}@127.0.0.1`,
        registrarUri: `sip:127.0.0.1:${svc.sipPort}`,
        credentials: [{ realm: "*", username: stationId, password: bankPassword("test-secret", "demo-bank-a") }],
      });
      const reg = await acc.register();
      if (!reg.registered) throw new Error(`station ${stationId} did not register: ${reg.code} ${reg.reason}`);
      const call = acc.makeCall(`sip:controller@127.0.0.1:${svc.sipPort}`);
      await waitState(call, "CONFIRMED");
      return call;
    },
    async close() {
      await svc.stop();
      await handsetEp.libDestroy();
      await trunkEp.libDestroy();
      await ds.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { delay, waitState } from "../../telephony/ua/helpers.ts";
