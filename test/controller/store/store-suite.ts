/**
 * The store test body, run unchanged against SQLite (sqlite.test.ts) and PostgreSQL
 * (postgres.test.ts): one query layer, the same answers on both engines.
 */
import type { TestFn } from "ava";
import { authorize, NO_USAGE } from "../../../controller/domain/authorize.ts";
import {
  assignCos,
  createCos,
  createFeatureGroup,
  deleteCos,
  explainInmateCos,
  getSchedule,
  setSchedule,
} from "../../../controller/domain/classes.ts";
import { DomainError } from "../../../controller/domain/errors.ts";
import {
  createFacilityGroup,
  getFacility,
  listFacilities,
  setFacilityGroup,
} from "../../../controller/domain/facilities.ts";
import {
  getInmate,
  listInmates,
  listTransfers,
  releaseInmate,
  resetPin,
  setApprovedNumbers,
  setPin,
  transferInmate,
} from "../../../controller/domain/inmates.ts";
import { loadFacilitySnapshot, SnapshotCache } from "../../../controller/domain/load-snapshot.ts";
import {
  addBlock,
  addHotNumber,
  addPrivilegedNumber,
  blockByCalledParty,
  listBlocks,
  removeBlock,
} from "../../../controller/domain/numbers.ts";
import { importBlockedNumbers } from "../../../controller/imports/blocked-numbers.ts";
import { importRoster } from "../../../controller/imports/roster.ts";
import { createRate, explainCharge } from "../../../controller/rating/rates.ts";
import {
  attachRecording,
  closeCallRecord,
  INTERRUPTED_ENDING,
  markAccepted,
  openCallRecord,
  queryCallRecords,
  recoverInterruptedCalls,
} from "../../../controller/store/call-records.ts";
import type { DomainStore } from "../../../controller/store/domain-store.ts";
import { readUsage } from "../../../controller/store/usage.ts";
import { buildFixture, T0 } from "./fixtures.ts";

export type Opener = () => Promise<{ ds: DomainStore; cleanup: () => Promise<void> }>;

const MIN = 60_000;

export function storeSuite(test: TestFn, engine: string, open: Opener): void {
  const withStore = (title: string, body: (ds: DomainStore) => Promise<void>) =>
    test(`${engine}: ${title}`, async (t) => {
      const { ds, cleanup } = await open();
      t.teardown(cleanup);
      await body(ds);
      t.pass();
    });

  withStore("facilities, housing units and stations are stored and read back within the caller's scope", async (ds) => {
    const fx = await buildFixture(ds);
    const only = new Set([fx.facilityId]);
    const list = await listFacilities(ds, only);
    if (list.length !== 1 || list[0]?.id !== fx.facilityId)
      throw new Error(`scope leak: ${JSON.stringify(list.map((f) => f.id))}`);
    await expectCode("not-found", () => getFacility(ds, only, fx.otherFacilityId));
    const f = await getFacility(ds, fx.scope, fx.facilityId);
    eq(f.timeZone, "America/Los_Angeles");
    eq(f.createdAt, T0);
    const s = await loadFacilitySnapshot(ds, fx.facilityId);
    eq(s.stations.size, 8);
    eq(s.stations.get("st-3")?.housingUnitId, fx.unitA);
  });

  withStore("PINs are stored hashed, unique across the agency, and identify the inmate", async (ds) => {
    const fx = await buildFixture(ds);
    const row = await ds.db.selectFrom("inmates").select("pinHash").where("id", "=", "I-1").executeTakeFirstOrThrow();
    if (!row.pinHash || row.pinHash.includes("1234")) throw new Error("PIN stored in clear");
    await expectCode("conflict", () => setPin(ds, fx.scope, "I-2", "1234"));
    const fresh = await resetPin(ds, fx.scope, "I-2");
    const s = await loadFacilitySnapshot(ds, fx.facilityId);
    const d = authorize(s, {
      stationId: "st-1",
      inmate: { pin: fresh },
      dialled: "2132001234",
      at: T0,
      usage: NO_USAGE,
    });
    eq(d.allowed && d.inmateId, "I-2");
    const old = authorize(s, {
      stationId: "st-1",
      inmate: { pin: "5678" },
      dialled: "2132001234",
      at: T0,
      usage: NO_USAGE,
    });
    eq(old.allowed ? "allowed" : old.rule, "inmate-unknown");
    eq((await getInmate(ds, fx.scope, "I-2")).hasPin, true);
  });

  withStore("a transfer moves the inmate and keeps the history; a release ends calling", async (ds) => {
    const fx = await buildFixture(ds);
    await transferInmate(ds, fx.scope, "I-2", { facilityId: fx.otherFacilityId, reason: "court" }, T0 + MIN);
    const h = await listTransfers(ds, fx.scope, "I-2");
    eq(h.length, 1);
    eq(h[0]?.toFacilityId, fx.otherFacilityId);
    const la = await loadFacilitySnapshot(ds, fx.facilityId);
    eq(la.inmates.has("I-2"), false);
    await expectCode("not-found", () => getInmate(ds, new Set([fx.facilityId]), "I-2"));
    await releaseInmate(ds, fx.scope, "I-1", T0 + 2 * MIN);
    const after = await loadFacilitySnapshot(ds, fx.facilityId);
    const d = authorize(after, {
      stationId: "st-1",
      inmate: { pin: "1234" },
      dialled: "2132001234",
      at: T0,
      usage: NO_USAGE,
    });
    eq(d.allowed ? "allowed" : d.rule, "inmate-unknown");
    eq((await listInmates(ds, fx.scope, { status: "released" })).map((i) => i.id).join(), "I-1");
    await setApprovedNumbers(ds, fx.scope, "I-2", [
      { number: "2132001234", name: "bank", language: "es", extraDigitsLimit: 12 },
    ]);
    const sf = await loadFacilitySnapshot(ds, fx.otherFacilityId);
    const entry = sf.inmates.get("I-2")?.approved.get("+12132001234");
    eq(entry?.extraDigitsLimit, 12);
    eq(entry?.language, "es");
    await expectCode("invalid", () =>
      setApprovedNumbers(ds, fx.scope, "I-2", [{ number: "2132001234", extraDigitsLimit: 100 }]),
    );
  });

  withStore("the most specific class of service wins and explainCos says where each value came from", async (ds) => {
    const fx = await buildFixture(ds);
    const g = await createFeatureGroup(ds, { name: "limits", features: ["maxDuration", "maxCalls"] });
    const g2 = await createFeatureGroup(ds, { name: "duration only", features: ["maxDuration"] });
    const facilityCos = await createCos(ds, {
      featureGroupId: g.id,
      name: "facility default",
      params: {
        maxDuration: { enabled: true, minutes: 20 },
        maxCalls: { enabled: true, day: 5, week: null, month: null },
      },
    });
    const unitCos = await createCos(ds, {
      featureGroupId: g2.id,
      name: "unit B",
      params: { maxDuration: { enabled: true, minutes: 10 } },
    });
    await assignCos(ds, fx.scope, { level: "facility", id: fx.facilityId }, facilityCos.id);
    await assignCos(ds, fx.scope, { level: "housing-unit", id: fx.unitB }, unitCos.id);
    const e = await explainInmateCos(ds, fx.scope, "I-2");
    eq(e.maxDuration.value.minutes, 10);
    eq(e.maxDuration.from.level, "housing-unit");
    eq(e.maxCalls.from.cosName, "facility default");
    eq(e.timeBetweenCalls.from.level, "system-default");
    const a = await explainInmateCos(ds, fx.scope, "I-1");
    eq(a.maxDuration.value.minutes, 20);
    // A group's COS reaches its member facilities below the facility's own.
    const grp = await createFacilityGroup(ds, { name: "county" });
    const gCos = await createCos(ds, {
      featureGroupId: g2.id,
      name: "group",
      params: { maxDuration: { enabled: true, minutes: 25 } },
    });
    await assignCos(ds, fx.scope, { level: "facility-group", id: grp.id }, gCos.id);
    await setFacilityGroup(ds, fx.scope, fx.facilityId, grp.id);
    await assignCos(ds, fx.scope, { level: "facility", id: fx.facilityId }, null);
    const viaGroup = await explainInmateCos(ds, fx.scope, "I-1");
    eq(viaGroup.maxDuration.from.level, "facility-group");
    eq(viaGroup.maxDuration.value.minutes, 25);
    await expectCode("conflict", () => deleteCos(ds, gCos.id));
    await deleteCos(ds, facilityCos.id);
  });

  withStore("schedule windows are replaced as a whole and read back in order", async (ds) => {
    const fx = await buildFixture(ds);
    await setSchedule(ds, fx.scope, "facility", fx.facilityId, [
      { day: 2, startMin: 480, endMin: 720 },
      { day: 1, startMin: 1320, endMin: 60 },
    ]);
    await setSchedule(ds, fx.scope, "inmate", "I-1", [{ day: 1, startMin: 600, endMin: 660 }]);
    const w = await getSchedule(ds, fx.scope, "facility", fx.facilityId);
    eq(w.map((x) => `${x.day}:${x.startMin}-${x.endMin}`).join(), "1:1320-60,2:480-720");
    await expectCode("invalid", () =>
      setSchedule(ds, fx.scope, "facility", fx.facilityId, [{ day: 8, startMin: 0, endMin: 60 }]),
    );
  });

  withStore(
    "blocked numbers, ranges and patterns are listed with their reason, the called parties' own blocks apart",
    async (ds) => {
      const fx = await buildFixture(ds);
      await addBlock(
        ds,
        fx.scope,
        {
          facilityId: fx.facilityId,
          kind: "number",
          number: "3102001111",
          category: "specific",
          reason: "victim",
          setBy: "warden",
        },
        T0,
      );
      await addBlock(
        ds,
        fx.scope,
        {
          facilityId: null,
          kind: "range",
          number: "2122000000",
          rangeEnd: "2122000999",
          category: "specific",
          reason: "witness range",
          setBy: "da",
        },
        T0,
      );
      await blockByCalledParty(ds, fx.facilityId, "7022001234", T0);
      const calledParty = await listBlocks(ds, fx.scope, { byCalledParty: true });
      eq(calledParty.map((b) => b.number).join(), "+17022001234");
      const state = await listBlocks(ds, fx.scope, { byCalledParty: false, category: "specific" });
      eq(state.map((b) => b.reason).join(), "witness range,victim");
      const sf = await loadFacilitySnapshot(ds, fx.otherFacilityId);
      eq(sf.blocks.specific("+17022001234"), undefined);
      const la = await loadFacilitySnapshot(ds, fx.facilityId);
      eq(la.blocks.specific("+12122000500")?.reason, "witness range");
      eq(la.blocks.specific("+17022001234")?.byCalledParty, true);
    },
  );

  withStore(
    "a rate above the FCC cap is refused with the cap in the message; an edit is a new dated row",
    async (ds) => {
      const fx = await buildFixture(ds);
      const err = await expectCode("rate-above-cap", () =>
        createRate(
          ds,
          fx.scope,
          {
            facilityId: fx.facilityId,
            callType: "local",
            effectiveFrom: "2026-02-01",
            perMinuteMills: 141,
            createdBy: "t",
          },
          T0,
        ),
      );
      if (!/\$0\.14/.test(err.message)) throw new Error(err.message);
      await expectCode("conflict", () =>
        createRate(
          ds,
          fx.scope,
          {
            facilityId: fx.facilityId,
            callType: "local",
            effectiveFrom: "2025-12-05",
            perMinuteMills: 90,
            createdBy: "t",
          },
          T0,
        ),
      );
      const ok = await createRate(
        ds,
        fx.scope,
        {
          facilityId: fx.facilityId,
          callType: "local",
          effectiveFrom: "2026-02-01",
          perMinuteMills: 140,
          createdBy: "t",
        },
        T0,
      );
      if (!ok.capChecked.includes("FCC 25-75")) throw new Error(ok.capChecked);
    },
  );

  withStore(
    "a call record opens in progress, closes with duration from acceptance and an explainable charge",
    async (ds) => {
      const fx = await buildFixture(ds);
      await addHotNumber(
        ds,
        fx.scope,
        {
          facilityId: fx.facilityId,
          number: "4152001000",
          reason: "gang investigation",
          alertTargets: ["ops"],
          setBy: "inv",
        },
        T0,
      );
      const s = await loadFacilitySnapshot(ds, fx.facilityId);
      const req = { stationId: "st-2", inmate: { pin: "1234" }, dialled: "14152001000", at: T0, usage: NO_USAGE };
      const d = authorize(s, req);
      const rec = await openCallRecord(ds, s, req, d, { recorderChannel: "7" });
      eq(rec.status, "in-progress");
      eq(rec.alert, 1);
      eq(rec.localDate, "2026-01-05");
      eq(rec.localTime, "12:00:00");
      await markAccepted(ds, rec.id, T0 + 20_000, "Accepted by the called party pressing 1 (RFC 4733).");
      await attachRecording(ds, rec.id, { file: "r.wav", hash: "abc", signature: "sig" });
      const closed = await closeCallRecord(ds, rec.id, { at: T0 + 20_000 + 61_000, ending: "The inmate hung up." });
      eq(closed.status, "completed");
      eq(closed.durationSec, 61);
      eq(closed.callType, "interlata");
      eq(closed.chargeCents, 22); // 2 started minutes × $0.110
      const ex = await explainCharge(ds, fx.scope, closed);
      eq(ex.matchesRecord, true);
      eq(ex.rate?.id, fx.rates.interlata);
      await expectCode("conflict", () => closeCallRecord(ds, rec.id, { at: T0, ending: "again" }));
    },
  );

  withStore(
    "a denied call is recorded at once with its reason in English; privileged calls are hidden from ordinary searches",
    async (ds) => {
      const fx = await buildFixture(ds);
      await addPrivilegedNumber(
        ds,
        fx.scope,
        {
          facilityId: null,
          number: "8005550100",
          kind: "prea",
          name: "PREA hotline",
          passiveAcceptance: true,
          setBy: "t",
        },
        T0,
      );
      const s = await loadFacilitySnapshot(ds, fx.facilityId);
      const denied = { stationId: "st-1", inmate: { pin: "1234" }, dialled: "9002001234", at: T0, usage: NO_USAGE };
      const r1 = await openCallRecord(ds, s, denied, authorize(s, denied));
      eq(r1.status, "not-completed");
      eq(r1.denialRule, "blocked-general");
      eq(r1.notCompletedReason, "Calls to numbers in area code 900 cannot be made from this telephone system.");
      const prea = {
        stationId: "st-1",
        inmate: { pin: "1234" },
        dialled: "18005550100",
        at: T0 + MIN,
        usage: NO_USAGE,
      };
      const pd = authorize(s, prea);
      eq(pd.allowed && pd.recording, "never");
      const r2 = await openCallRecord(ds, s, prea, pd);
      await expectCode("invalid", () => attachRecording(ds, r2.id, { file: "x", hash: "x", signature: "x" }));
      const ordinary = await queryCallRecords(ds, fx.scope, {});
      eq(ordinary.map((r) => r.id).join(), r1.id);
      const all = await queryCallRecords(ds, fx.scope, { includePrivileged: true });
      eq(all.map((r) => r.id).join(), `${r2.id},${r1.id}`);
      eq((await queryCallRecords(ds, new Set([fx.otherFacilityId]), { includePrivileged: true })).length, 0);
    },
  );

  withStore(
    "calls in progress when the controller stopped are found at start-up and closed with an ending that says so",
    async (ds) => {
      const fx = await buildFixture(ds);
      const s = await loadFacilitySnapshot(ds, fx.facilityId);
      const req = { stationId: "st-1", inmate: { pin: "1234" }, dialled: "2132001234", at: T0, usage: NO_USAGE };
      const rec = await openCallRecord(ds, s, req, authorize(s, req));
      await markAccepted(ds, rec.id, T0 + 5000, "Accepted by the called party pressing 1.");
      const closed = await recoverInterruptedCalls(ds, T0 + 3_600_000);
      eq(closed.join(), rec.id);
      const [r] = await queryCallRecords(ds, fx.scope, {});
      eq(r?.ending, INTERRUPTED_ENDING);
      eq(r?.chargeCents, 0);
      eq((await recoverInterruptedCalls(ds, T0 + 3_600_000)).length, 0);
    },
  );

  withStore("usage counts completed calls and their minutes per facility day, week and month", async (ds) => {
    const fx = await buildFixture(ds);
    const s = await loadFacilitySnapshot(ds, fx.facilityId);
    const place = async (at: number, secs: number, accept = true) => {
      const req = { stationId: "st-1", inmate: { pin: "1234" }, dialled: "2132001234", at, usage: NO_USAGE };
      const rec = await openCallRecord(ds, s, req, authorize(s, req));
      if (accept) await markAccepted(ds, rec.id, at + 1000, "Accepted.");
      await closeCallRecord(ds, rec.id, {
        at: at + 1000 + secs * 1000,
        ending: "hung up",
        notCompletedReason: "declined",
      });
    };
    // Sunday 2026-01-04 23:30 LA = previous ISO week; Monday 2026-01-05 00:30 LA; Monday noon; one declined call.
    await place(Date.UTC(2026, 0, 5, 7, 30), 120);
    await place(Date.UTC(2026, 0, 5, 8, 30), 61);
    await place(T0 - 10 * MIN, 30);
    await place(T0 - 5 * MIN, 600, false);
    const u = await readUsage(ds, "I-1", "America/Los_Angeles", T0);
    eq(u.callsDay, 2);
    eq(u.minutesDay, 3);
    eq(u.callsWeek, 2);
    eq(u.callsMonth, 3);
    eq(u.minutesMonth, 5);
    eq(u.lastCompletedEndedAt, T0 - 10 * MIN + 31_000);
  });

  withStore("call records page newest first with a keyset cursor, within the caller's facilities", async (ds) => {
    const fx = await buildFixture(ds);
    const s = await loadFacilitySnapshot(ds, fx.facilityId);
    for (let i = 0; i < 5; i++) {
      const req = {
        stationId: "st-1",
        inmate: { pin: "1234" },
        dialled: "9002001234",
        at: T0 + i * MIN,
        usage: NO_USAGE,
      };
      await openCallRecord(ds, s, req, authorize(s, req), { id: `r${i}` });
    }
    const first = await queryCallRecords(ds, fx.scope, { limit: 2 });
    eq(first.map((r) => r.id).join(), "r4,r3");
    const last = first.at(-1)!;
    const next = await queryCallRecords(ds, fx.scope, { limit: 2, before: { startedAt: last.startedAt, id: last.id } });
    eq(next.map((r) => r.id).join(), "r2,r1");
    eq((await queryCallRecords(ds, fx.scope, { from: T0 + 3 * MIN })).length, 2);
    eq((await queryCallRecords(ds, fx.scope, { facilityId: fx.otherFacilityId })).length, 0);
  });

  withStore("usage days follow the facility's clock across the spring-forward change", async (ds) => {
    const fx = await buildFixture(ds);
    const s = await loadFacilitySnapshot(ds, fx.facilityId);
    // 2026-03-08 00:30 PST (08:30 UTC) and 23:30 PDT (2026-03-09 06:30 UTC) are the same facility day.
    for (const at of [Date.UTC(2026, 2, 8, 8, 30), Date.UTC(2026, 2, 9, 6, 30)]) {
      const req = { stationId: "st-1", inmate: { pin: "1234" }, dialled: "2132001234", at, usage: NO_USAGE };
      const rec = await openCallRecord(ds, s, req, authorize(s, req));
      await markAccepted(ds, rec.id, at, "Accepted.");
      await closeCallRecord(ds, rec.id, { at: at + 60_000, ending: "hung up" });
    }
    const late = await readUsage(ds, "I-1", "America/Los_Angeles", Date.UTC(2026, 2, 9, 6, 45));
    eq(late.callsDay, 2);
    const nextDay = await readUsage(ds, "I-1", "America/Los_Angeles", Date.UTC(2026, 2, 9, 7, 5));
    eq(nextDay.callsDay, 0);
    eq(nextDay.callsWeek, 0);
    eq(nextDay.callsMonth, 2);
  });

  withStore("a blocked-number import is all or nothing, and partial only when the caller accepts it", async (ds) => {
    const fx = await buildFixture(ds);
    const csv =
      'number,reason,category\n2132009999,victim,specific\n"not a number",bad,specific\n3102000001,"officer, home",specific\n';
    const err = await expectCode("import-rejected", () =>
      importBlockedNumbers(ds, fx.scope, csv, { facilityId: fx.facilityId, setBy: "imp", now: T0 }),
    );
    const details = err.details as { rejected: { line: number }[] };
    eq(details.rejected[0]?.line, 3);
    eq((await listBlocks(ds, fx.scope, { category: "specific" })).length, 0);
    const progress: number[] = [];
    const rep = await importBlockedNumbers(
      ds,
      fx.scope,
      csv,
      { facilityId: fx.facilityId, setBy: "imp", now: T0 },
      {
        acceptPartial: true,
        onProgress: (done) => progress.push(done),
      },
    );
    eq(rep.written, 2);
    eq(progress.at(-1), 3);
    eq((await listBlocks(ds, fx.scope, { number: "3102000001" }))[0]?.reason, "officer, home");
  });

  withStore("a roster import books, updates, transfers and releases; missing inmates are left alone", async (ds) => {
    const fx = await buildFixture(ds);
    const csv = [
      "inmate_id,first_name,last_name,housing_unit,language,status,pin",
      "I-9,Carla,Diaz,B,es,active,9999",
      "I-1,Ana,Lopez,B,es,released,",
    ].join("\n");
    const rep = await importRoster(ds, fx.scope, fx.facilityId, csv, T0);
    eq(rep.booked, 1);
    eq(rep.released, 1);
    eq((await getInmate(ds, fx.scope, "I-2")).status, "active");
    const moved = await importRoster(
      ds,
      fx.scope,
      fx.otherFacilityId,
      "inmate_id,first_name,last_name\nI-9,Carla,Diaz\n",
      T0 + MIN,
    );
    eq(moved.transferred, 1);
    eq((await getInmate(ds, fx.scope, "I-9")).facilityId, fx.otherFacilityId);
    await expectCode("import-rejected", () =>
      importRoster(ds, fx.scope, fx.facilityId, "inmate_id,first_name,last_name,pin\nI-10,X,Y,9999\n", T0),
    );
  });

  withStore("the snapshot cache rebuilds after a change and serves the old snapshot until then", async (ds) => {
    const fx = await buildFixture(ds);
    const cache = new SnapshotCache(ds);
    const first = await cache.get(fx.facilityId);
    eq(await cache.get(fx.facilityId), first);
    await addBlock(
      ds,
      fx.scope,
      {
        facilityId: fx.facilityId,
        kind: "number",
        number: "2132004444",
        category: "specific",
        reason: "victim",
        setBy: "t",
      },
      T0,
    );
    eq(cache.peek(fx.facilityId), first);
    const next = await cache.get(fx.facilityId);
    if (next === first) throw new Error("cache did not rebuild");
    eq(next.blocks.specific("+12132004444")?.reason, "victim");
    eq(next.blocks.added, 1); // added in place, not rebuilt
    eq(next.blocks.size, first.blocks.size + 1);
    // A change that is not about blocks rebuilds the rules but keeps the (costly) block index.
    await setPin(ds, fx.scope, "I-2", "8642");
    const third = await cache.get(fx.facilityId);
    if (third === next) throw new Error("cache did not rebuild after a PIN change");
    eq(third.blocks, next.blocks);
    eq(third.inmatesByPinHash.size, 2);
    // A removal rebuilds the index from the database.
    const [row] = await listBlocks(ds, fx.scope, { number: "2132004444" });
    await removeBlock(ds, fx.scope, row!.id);
    const fourth = await cache.get(fx.facilityId);
    eq(fourth.blocks.added, 0);
    eq(fourth.blocks.specific("+12132004444"), undefined);
    cache.stop();
  });
}

function eq(actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function expectCode(code: string, fn: () => Promise<unknown>): Promise<DomainError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof DomainError && err.code === code) return err;
    throw new Error(
      `expected DomainError ${code}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
    );
  }
  throw new Error(`expected DomainError ${code}, nothing thrown`);
}
