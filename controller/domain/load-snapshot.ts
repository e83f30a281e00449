/**
 * Builds a FacilitySnapshot from the store, and a cache that rebuilds one when the domain
 * services report a change, so call processing never reads the database to decide a call.
 */
import { loadExchanges } from "../rating/npa-nxx.ts";
import { rawRowArrays } from "../store/bulk.ts";
import type { DomainStore } from "../store/domain-store.ts";
import type { CallType } from "./call-types.ts";
import { loadCosDefinitions } from "./classes.ts";
import { notFound } from "./errors.ts";
import { type BlockIndex, BlockIndexBuilder, type BlockRow } from "./number-lists.ts";
import type { ScheduleWindow } from "./schedule.ts";
import { bool } from "./scope.ts";
import type {
  FacilitySnapshot,
  HotNumber,
  InmateStatus,
  Language,
  PrivilegedNumber,
  SnapshotInmate,
  SnapshotRate,
} from "./snapshot.ts";

export interface SnapshotOptions {
  /** The provider named in the rate disclosure. */
  provider?: string;
  now?: number;
  /** A block index still current (no "blocks" change since it was built): reused, not reloaded. */
  reuseBlocks?: BlockIndex;
  /** Told how the block index build went, when one ran. */
  onBlockBuild?: (stats: BlockBuildStats) => void;
}

/** A row of the block queries below, in their column order. */
function blockRowOfArray(r: unknown[]): BlockRow {
  return {
    kind: r[0] as BlockRow["kind"],
    number: r[1] as string | null,
    rangeEnd: r[2] as string | null,
    pattern: r[3] as string | null,
    category: r[4] as BlockRow["category"],
    reason: r[5] as string,
    setBy: r[6] as string,
    byCalledParty: bool(r[7] as number),
    facilityId: r[8] as string | null,
    id: r[9] as string,
  };
}

/**
 * The longest stretch the block loader runs on the event loop before it yields (setImmediate).
 * The same loop mixes every call's audio in 20 ms frames (telephony/media): 8 ms leaves most of
 * a frame to them even when a step overruns.
 */
const SLICE_MS = 8;
/** Rows read per page: the first page's size, and the bounds the loader adapts it within. */
const FIRST_PAGE = 1_000;
const MIN_PAGE = 250;
const MAX_PAGE = 20_000;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** How a block index build went: for the bench and the loop-stall test. */
export interface BlockBuildStats {
  rows: number;
  pages: number;
  /** Wall time from the first read to the finished index. */
  ms: number;
  /** The longest single stretch on the loop (one page read and added, or one slice of the sort). */
  longestStepMs: number;
}

/**
 * The facility's blocks (its own and the agency-wide ones), read and indexed without holding
 * the event loop more than about SLICE_MS at a time: the few ranges and patterns in one read,
 * the single numbers in pages by key (SQLite's rowid, PostgreSQL's primary key), each page sized
 * from the previous one's time, with a yield between pages and between slices of the sort.
 * Rows are plain arrays: at 500,000 rows the query builder's per-row objects and renaming cost
 * seconds. Single numbers skip the id (the index keeps none for them; a number's row is found
 * with listBlocks({ number })).
 *
 * The pages are separate reads, not one snapshot of the table: a row written or removed while
 * the build runs may be in the index or not. Every such write reports its own "blocks" change,
 * and SnapshotCache rebuilds again after it.
 */
export async function loadBlocks(
  ds: DomainStore,
  facilityId: string,
  onStats?: (s: BlockBuildStats) => void,
): Promise<BlockIndex> {
  const where = "(facility_id = ? or facility_id is null)";
  const sqlite = ds.dialect === "sqlite";
  const started = performance.now();
  let longest = 0;
  let pages = 0;
  const b = new BlockIndexBuilder();
  let t0 = performance.now();
  const others = await rawRowArrays(
    ds,
    // The partial index holds only these few rows (migration 0003); SQLite needs telling.
    `select kind, number, range_end, pattern, category, reason, set_by, by_called_party, facility_id, id
       from blocked_numbers ${sqlite ? "indexed by blocked_numbers_not_single" : ""}
       where kind <> 'number' and ${where}`,
    [facilityId],
  );
  for (const r of others) b.add(blockRowOfArray(r));
  longest = Math.max(longest, performance.now() - t0);

  // SQLite: a sequential scan from the last rowid beats the (facility_id, number) index, through
  // which every one of 500,000 rows costs a separate table lookup (measured: half the CPU); the
  // rowid still seeks with "not indexed". PostgreSQL: the primary key's index.
  const key = sqlite ? "rowid" : "id";
  const page = `select ${key}, number, category, reason, set_by, by_called_party, facility_id
       from blocked_numbers ${sqlite ? "not indexed" : ""}
       where ${key} > ? and kind = 'number' and ${where} order by ${key} limit ?`;
  let after: unknown = sqlite ? -1 : "";
  let size = FIRST_PAGE;
  for (;;) {
    await nextTurn();
    t0 = performance.now();
    const rows = await rawRowArrays(ds, page, [after, facilityId, size]);
    for (const r of rows) {
      b.add({
        kind: "number",
        number: r[1] as string,
        rangeEnd: null,
        pattern: null,
        category: r[2] as BlockRow["category"],
        reason: r[3] as string,
        setBy: r[4] as string,
        byCalledParty: bool(r[5] as number),
        facilityId: r[6] as string | null,
      });
    }
    const took = performance.now() - t0;
    longest = Math.max(longest, took);
    pages++;
    if (rows.length < size) break;
    after = (rows[rows.length - 1] as unknown[])[0];
    size = Math.round(Math.min(MAX_PAGE, Math.max(MIN_PAGE, (size * SLICE_MS) / Math.max(took, 0.1))));
  }

  const steps = b.finish();
  for (;;) {
    await nextTurn();
    t0 = performance.now();
    let step = steps.next();
    while (!step.done && performance.now() - t0 < SLICE_MS) step = steps.next();
    longest = Math.max(longest, performance.now() - t0);
    if (step.done) {
      onStats?.({ rows: b.rows, pages, ms: performance.now() - started, longestStepMs: longest });
      return step.value;
    }
  }
}

export const DEFAULT_PROVIDER = "Yardline inmate calling service";

function group<K, V>(items: Iterable<V>, key: (v: V) => K): Map<K, V[]> {
  const m = new Map<K, V[]>();
  for (const v of items) {
    const k = key(v);
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  }
  return m;
}

export async function loadFacilitySnapshot(
  ds: DomainStore,
  facilityId: string,
  opts: SnapshotOptions = {},
): Promise<FacilitySnapshot> {
  const db = ds.db;
  const f = await db.selectFrom("facilities").selectAll().where("id", "=", facilityId).executeTakeFirst();
  if (!f) throw notFound("facility");
  const group_ = f.groupId
    ? await db.selectFrom("facilityGroups").select("cosId").where("id", "=", f.groupId).executeTakeFirst()
    : undefined;

  const [units, banks, stations, inmates, approved, windows, blocks, hot, priv, rates, cos, exchanges] =
    await Promise.all([
      db.selectFrom("housingUnits").selectAll().where("facilityId", "=", facilityId).execute(),
      db.selectFrom("phoneBanks").selectAll().where("facilityId", "=", facilityId).execute(),
      db.selectFrom("stations").selectAll().where("facilityId", "=", facilityId).execute(),
      db
        .selectFrom("inmates")
        .selectAll()
        .where("facilityId", "=", facilityId)
        .where("status", "!=", "released")
        .execute(),
      db
        .selectFrom("approvedNumbers as a")
        .innerJoin("inmates as i", "i.id", "a.inmateId")
        .select(["a.inmateId", "a.number", "a.name", "a.language", "a.extraDigitsLimit"])
        .where("i.facilityId", "=", facilityId)
        .execute(),
      db.selectFrom("scheduleWindows").selectAll().execute(),
      opts.reuseBlocks ?? loadBlocks(ds, facilityId, opts.onBlockBuild),
      db
        .selectFrom("hotNumbers")
        .selectAll()
        .where((eb) => eb.or([eb("facilityId", "=", facilityId), eb("facilityId", "is", null)]))
        .execute(),
      db
        .selectFrom("privilegedNumbers")
        .selectAll()
        .where((eb) => eb.or([eb("facilityId", "=", facilityId), eb("facilityId", "is", null)]))
        .execute(),
      db
        .selectFrom("rates")
        .selectAll()
        .where("facilityId", "=", facilityId)
        .orderBy("effectiveFrom", "desc")
        .execute(),
      loadCosDefinitions(ds),
      loadExchanges(ds),
    ]);

  const bankById = new Map(banks.map((b) => [b.id, b]));
  const winOf = group(windows, (w) => `${w.scopeKind}:${w.scopeId}`);
  const win = (kind: string, id: string): ScheduleWindow[] =>
    (winOf.get(`${kind}:${id}`) ?? []).map((w) => ({ day: w.day, startMin: w.startMin, endMin: w.endMin }));
  const approvedOf = group(approved, (a) => a.inmateId);

  const inmateMap = new Map<string, SnapshotInmate>();
  const byPin = new Map<string, string>();
  for (const i of inmates) {
    inmateMap.set(i.id, {
      id: i.id,
      name: `${i.firstName} ${i.lastName}`,
      language: i.language as Language,
      status: i.status as InmateStatus,
      housingUnitId: i.housingUnitId,
      cosId: i.cosId,
      recordedName: i.recordedName,
      approved: new Map(
        (approvedOf.get(i.id) ?? []).map((a) => [
          a.number,
          { language: a.language as Language, name: a.name, extraDigitsLimit: a.extraDigitsLimit },
        ]),
      ),
      schedule: win("inmate", i.id),
    });
    if (i.pinHash) byPin.set(i.pinHash, i.id);
  }

  const hotMap = new Map<string, HotNumber>();
  // Facility entries first so they win over agency-wide ones for the same number.
  for (const h of [...hot].sort((a, b) => (a.facilityId === null ? 1 : 0) - (b.facilityId === null ? 1 : 0))) {
    if (!hotMap.has(h.number))
      hotMap.set(h.number, { id: h.id, reason: h.reason, alertTargets: JSON.parse(h.alertTargets) as string[] });
  }
  const privMap = new Map<string, PrivilegedNumber>();
  for (const p of [...priv].sort((a, b) => (a.facilityId === null ? 1 : 0) - (b.facilityId === null ? 1 : 0))) {
    if (!privMap.has(p.number)) {
      privMap.set(p.number, {
        id: p.id,
        kind: p.kind as PrivilegedNumber["kind"],
        name: p.name,
        passiveAcceptance: bool(p.passiveAcceptance),
        free: bool(p.free),
      });
    }
  }
  const rateMap = group(
    rates.map(
      (r): SnapshotRate => ({
        id: r.id,
        callType: r.callType as CallType,
        effectiveFrom: r.effectiveFrom,
        perMinuteMills: r.perMinuteMills,
        billingIncrementSec: r.billingIncrementSec,
      }),
    ),
    (r) => r.callType,
  );

  return {
    facility: {
      id: f.id,
      name: f.name,
      timeZone: f.timeZone,
      enabled: bool(f.enabled),
      npa: f.npa,
      state: f.state,
      lata: f.lata,
      rateCenter: f.rateCenter,
      localRateCenters: new Set(JSON.parse(f.localRateCenters) as string[]),
      cosId: f.cosId,
      groupCosId: group_?.cosId ?? null,
    },
    provider: opts.provider ?? DEFAULT_PROVIDER,
    pinKey: ds.pinKey,
    stations: new Map(
      stations.map((s) => {
        const bank = bankById.get(s.phoneBankId);
        return [
          s.id,
          {
            id: s.id,
            setNumber: s.setNumber,
            location: s.location,
            enabled: bool(s.enabled),
            phoneBankId: s.phoneBankId,
            phoneBankEnabled: bool(bank?.enabled ?? 0),
            housingUnitId: bank?.housingUnitId ?? null,
          },
        ];
      }),
    ),
    housingUnits: new Map(
      units.map((u) => [u.id, { id: u.id, name: u.name, enabled: bool(u.enabled), cosId: u.cosId }]),
    ),
    inmates: inmateMap,
    inmatesByPinHash: byPin,
    cos,
    schedules: {
      facility: win("facility", facilityId),
      phoneBanks: new Map(banks.map((b) => [b.id, win("phone-bank", b.id)])),
    },
    blocks,
    hot: hotMap,
    privileged: privMap,
    exchanges,
    rates: rateMap,
    loadedAt: opts.now ?? Date.now(),
  };
}

/**
 * Keeps one snapshot per facility and rebuilds it after a change (agency-wide changes rebuild
 * all). A rebuild replaces the snapshot only when complete.
 *
 * What `get()` answers while a rebuild runs: a snapshot that holds every change reported before
 * the call, never an older one. After a "blocks" change the rebuild reads the whole list again
 * (seconds at 500,000 numbers, in slices that leave the event loop free): a call decided
 * meanwhile waits for it. That is what keeps an import's numbers blocked from the moment the
 * administrator sees the import complete — the change is reported as the job ends — and a
 * removed block may refuse a call a few seconds longer, which is the safe side. A change that
 * only adds single numbers (`detail.addedNumbers`) does not read the list: the next build adds
 * them on top of the current index (`withNumbers`), also when they arrive during a rebuild.
 * `peek()` never waits: it is for the checks that must not (a station's kill switch).
 */
export class SnapshotCache {
  private readonly ds: DomainStore;
  private readonly opts: SnapshotOptions;
  private readonly current = new Map<string, FacilitySnapshot>();
  private readonly loading = new Map<string, Promise<FacilitySnapshot>>();
  /** Facilities with a change since their last build started. */
  private readonly stale = new Set<string>();
  /** Facilities whose block index must be read again (a "blocks" change other than additions). */
  private readonly staleBlocks = new Set<string>();
  /** Single numbers added since the last build started, to add on top of the index it reuses. */
  private readonly pendingNumbers = new Map<string, BlockRow[]>();
  private readonly unsubscribe: () => void;

  constructor(ds: DomainStore, opts: SnapshotOptions = {}) {
    this.ds = ds;
    this.opts = opts;
    this.unsubscribe = ds.onChange((facilityId, kind, detail) => {
      const ids = facilityId === null ? [...new Set([...this.current.keys(), ...this.loading.keys()])] : [facilityId];
      for (const id of ids) {
        this.stale.add(id);
        if (kind !== "blocks") continue;
        const added = detail?.addedNumbers;
        if (added && !this.staleBlocks.has(id)) {
          const list = this.pendingNumbers.get(id) ?? [];
          list.push(...added);
          this.pendingNumbers.set(id, list);
        } else {
          this.staleBlocks.add(id);
          this.pendingNumbers.delete(id);
        }
      }
    });
  }

  /** The snapshot to decide with: one that holds every change reported before this call. */
  async get(facilityId: string): Promise<FacilitySnapshot> {
    const have = this.current.get(facilityId);
    const pending = this.loading.get(facilityId);
    if (have && !pending && !this.stale.has(facilityId)) return have;
    // A build that started after the last change holds them all.
    if (pending && !this.stale.has(facilityId)) return pending;
    if (pending) await pending.catch(() => undefined);
    return this.reload(facilityId);
  }

  /** The last built snapshot, without waiting (undefined before the first get()). */
  peek(facilityId: string): FacilitySnapshot | undefined {
    return this.current.get(facilityId);
  }

  /** Whether a build of this facility's snapshot is running. */
  building(facilityId: string): boolean {
    return this.loading.has(facilityId);
  }

  /** Starts a build from the changes reported so far (or joins the one running) and returns it. */
  reload(facilityId: string): Promise<FacilitySnapshot> {
    const pending = this.loading.get(facilityId);
    if (pending) return pending;
    this.stale.delete(facilityId);
    const prev = this.current.get(facilityId);
    const added = this.pendingNumbers.get(facilityId);
    let reuseBlocks = prev && !this.staleBlocks.has(facilityId) ? prev.blocks : undefined;
    if (reuseBlocks && added) reuseBlocks = reuseBlocks.withNumbers(added);
    const readsBlocks = reuseBlocks === undefined;
    this.staleBlocks.delete(facilityId);
    this.pendingNumbers.delete(facilityId);
    const p = loadFacilitySnapshot(this.ds, facilityId, { ...this.opts, ...(reuseBlocks ? { reuseBlocks } : {}) })
      .then((s) => {
        this.current.set(facilityId, s);
        return s;
      })
      .catch((err: unknown) => {
        // Try again from scratch on the next get(); numbers added meanwhile are read with the rest.
        this.stale.add(facilityId);
        if (readsBlocks || added) {
          this.staleBlocks.add(facilityId);
          this.pendingNumbers.delete(facilityId);
        }
        throw err;
      })
      .finally(() => this.loading.delete(facilityId));
    this.loading.set(facilityId, p);
    return p;
  }

  stop(): void {
    this.unsubscribe();
  }
}
