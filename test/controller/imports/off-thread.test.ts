import { performance } from "node:perf_hooks";
import test from "ava";
import type { ImportJobView } from "../../../controller/api/schemas/domain.ts";
import { DomainError } from "../../../controller/domain/errors.ts";
import { SnapshotCache } from "../../../controller/domain/load-snapshot.ts";
import { importBlockedNumbers } from "../../../controller/imports/blocked-numbers.ts";
import { importBlockedNumbersInWorker } from "../../../controller/imports/import-thread.ts";
import { bulkInsert } from "../../../controller/store/bulk.ts";
import { type DomainStore, openDomainStore } from "../../../controller/store/domain-store.ts";
import { beginImportRun, recoverInterruptedImports } from "../../../controller/store/import-store.ts";
import { watchLoop } from "../../support/loop-watch.ts";
import { type PgCluster, startPostgres } from "../../support/postgres.ts";
import { adminName, adminPassword, facilityA, signIn, startDomainHarness } from "../api/app-harness.ts";
import { buildFixture, openSqlite, T0 } from "../store/fixtures.ts";

/**
 * The bound, on the time this thread's loop was busy between two ticks of a 10 ms timer:
 * running callbacks, or waiting inside a synchronous SQLite call for the import's write lock.
 * Time the thread sat ready but without a CPU (the machine has 2 cores shared by many jobs, and a
 * quiet thread here is at times held back 100 to 400 ms) counts as idle, not busy: see watchLoop.
 * Busy time does include a main-thread write waiting for the worker's batch to release the write
 * lock, and a worker preempted while it holds the lock stretches that wait: at load averages of
 * 5-10 the import path was busy 80-410 ms, where the same import in this thread is busy 1.4-2.9 s
 * (asserted below). 500 ms keeps the two apart without failing on a loaded machine.
 */
const maxBusyMs = 500;
/** The raw delay, scheduler included, only has to stay well under the seconds of the old path. */
const maxDelayMs = 1000;
/** How often the test polls the job and writes from the main thread (the page polls every 100 ms). */
const pollMs = 50;

function blockCsv(rows: number, first: number, reason: string): string {
  const lines = ["number,reason"];
  for (let i = 0; i < rows; i++) lines.push(`+1415${first + i},${reason}`);
  return `${lines.join("\n")}\n`;
}

/**
 * A writer on this thread, as the call flow writes call records: on SQLite it waits for the
 * import's write lock synchronously, so a long import transaction shows as a slow write and a stall.
 */
function mainThreadWriter(ds: DomainStore): { stop(): Promise<{ writes: number; slowestMs: number }> } {
  let writes = 0;
  let slowestMs = 0;
  let writing = true;
  const done = (async () => {
    while (writing) {
      const t0 = performance.now();
      await ds.db
        .insertInto("domainMeta")
        .values({ key: "import-test-tick", value: String(writes) })
        .onConflict((oc) => oc.column("key").doUpdateSet({ value: String(writes) }))
        .execute();
      slowestMs = Math.max(slowestMs, performance.now() - t0);
      writes++;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  })();
  return {
    async stop() {
      writing = false;
      await done;
      return { writes, slowestMs };
    },
  };
}

const count = async (ds: DomainStore, reason: string) =>
  Number(
    (
      await ds.db
        .selectFrom("blockedNumbers")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("reason", "=", reason)
        .executeTakeFirstOrThrow()
    ).n,
  );

test.serial(
  "a 200,000-row import through the API leaves the event loop free, reports progress part-way, and calls are decided on the new rows",
  async (t) => {
    const h = await startDomainHarness();
    t.teardown(() => h.close());
    const admin = await signIn(h.app, adminName, adminPassword);
    // Over a real socket, as the UI uploads: the body arrives in chunks, not in one piece.
    const base = await h.app.listen({ host: "127.0.0.1", port: 0 });
    const headers = { cookie: admin.cookie, "x-csrf-token": admin.csrf };
    const rows = 200_000;
    const first = 7_000_000;
    const csv = blockCsv(rows, first, "fraud list");
    const cache = new SnapshotCache(h.ds);
    t.teardown(() => cache.stop());
    t.is((await cache.get(facilityA)).blocks.specific(`+1415${first}`), undefined);

    const loop = watchLoop();
    const writer = mainThreadWriter(h.ds);
    const started = performance.now();
    const res = await fetch(`${base}/api/imports/blocked-numbers?facilityId=${facilityA}`, {
      method: "POST",
      headers: { ...headers, "content-type": "text/csv" },
      body: csv,
    });
    t.is(res.status, 202);
    const jobId = ((await res.json()) as ImportJobView).id;
    const seen: ImportJobView[] = [];
    for (;;) {
      const j = (await (await fetch(`${base}/api/imports/${jobId}`, { headers })).json()) as ImportJobView;
      seen.push(j);
      if (j.state !== "running") break;
      if (performance.now() - started > 120_000) throw new Error("import did not finish within two minutes");
      await new Promise((r) => setTimeout(r, pollMs));
    }
    const importMs = performance.now() - started;
    const stall = await loop.stop();
    const { writes, slowestMs: slowestWriteMs } = await writer.stop();
    const last = seen.at(-1)!;
    t.is(last.state, "done", last.error ?? "");
    t.is(last.written, rows);
    t.is(await count(h.ds, "fraud list"), rows);
    // As the page draws it: checking fills the first half of the bar, writing the second.
    const fractions = new Set(
      seen
        .filter((j) => j.state === "running" && j.total > 0)
        .map((j) => (j.phase === "checking" ? j.done : j.total + j.done) / (2 * j.total)),
    );
    const between = [...fractions].filter((f) => f > 0 && f < 1);
    const writingPartWay = seen.filter((j) => j.phase === "writing" && j.done > 0 && j.done < j.total);
    t.log(
      `import ${Math.round(importMs)} ms, ${seen.length} polls, ${between.length} distinct values between 0 and 100 %, ` +
        `${writingPartWay.length} polls part-way through writing; this thread's loop: busy at most ` +
        `${stall.maxBusyMs.toFixed(1)} ms between ticks, longest gap ${stall.maxGapMs.toFixed(1)} ms, ` +
        `event-loop delay histogram max ${stall.maxDelayMs.toFixed(1)} ms; ` +
        `${writes} writes from this thread meanwhile, the slowest ${slowestWriteMs.toFixed(1)} ms`,
    );
    t.true(writes > 10, "this thread kept writing during the import");
    t.true(between.length >= 3, `distinct progress values between 0 and 100 %: ${between.join(" ")}`);
    t.true(writingPartWay.length > 0, "a poll saw the write part-way");
    t.true(stall.maxBusyMs < maxBusyMs, `the loop was busy ${stall.maxBusyMs.toFixed(1)} ms between two ticks`);
    t.true(stall.maxGapMs < maxDelayMs, `the loop stalled ${stall.maxGapMs.toFixed(1)} ms between ticks`);
    t.true(stall.maxDelayMs < maxDelayMs, `the loop's delay reached ${stall.maxDelayMs.toFixed(1)} ms`);
    t.true(slowestWriteMs < maxDelayMs, `a write from this thread waited ${slowestWriteMs.toFixed(1)} ms`);

    // The import reported a "blocks" change: the next snapshot decides calls on the new rows.
    // Rebuilding the block index is the snapshot cache's work on this thread; its stall is
    // logged, not bounded here (see docs/controller-domain.md "Imports").
    const reload = watchLoop();
    const snap = await cache.get(facilityA);
    const reloadStall = await reload.stop();
    t.is(snap.blocks.specific(`+1415${first}`)?.reason, "fraud list");
    t.is(snap.blocks.specific(`+1415${first + rows - 1}`)?.reason, "fraud list");
    t.is(snap.blocks.specific(`+1415${first + rows}`), undefined);
    t.log(
      `snapshot rebuild after the import: this thread busy ${reloadStall.maxBusyMs.toFixed(1)} ms, stalled ${reloadStall.maxGapMs.toFixed(1)} ms`,
    );

    // The control: the same work in this thread (the path seeding uses) does stall it, so the
    // measurement above can tell the difference.
    const scope = new Set((await h.ds.db.selectFrom("facilities").select("id").execute()).map((f) => f.id));
    const inThread = watchLoop();
    await importBlockedNumbers(h.ds, scope, blockCsv(rows, first + rows, "control list"), {
      facilityId: facilityA,
      setBy: "control",
      now: T0,
    });
    const inThreadStall = await inThread.stop();
    t.log(
      `the same import in this thread: busy ${inThreadStall.maxBusyMs.toFixed(1)} ms, stalled ${inThreadStall.maxGapMs.toFixed(1)} ms`,
    );
    t.true(inThreadStall.maxBusyMs > maxDelayMs, "the in-thread control import holds the loop past both bounds");
  },
);

let cluster: PgCluster | undefined;
let pgDatabases = 0;
test.after.always(async () => {
  await cluster?.stop();
});

const engines: Record<string, () => Promise<{ ds: DomainStore; cleanup: () => Promise<void> }>> = {
  sqlite: openSqlite,
  postgres: async () => {
    cluster ??= await startPostgres();
    const ds = await openDomainStore({
      kind: "postgres",
      connectionString: cluster.createDatabase(`imports_${++pgDatabases}`),
    });
    return { ds, cleanup: () => ds.close() };
  },
};

/** A fault in the middle of the file: the database refuses one row, as a full disk would. */
async function failOnNumber(ds: DomainStore, number: string): Promise<void> {
  if (ds.dialect === "sqlite") {
    ds.sqlite?.exec(
      `create trigger fail_test_insert before insert on blocked_numbers when new.number = '${number}'
       begin select raise(abort, 'disk full (test fault)'); end`,
    );
    return;
  }
  const { sql } = await import("kysely");
  await sql
    .raw(
      `create function fail_test_insert() returns trigger language plpgsql as $$
       begin if new.number = '${number}' then raise exception 'disk full (test fault)'; end if; return new; end $$`,
    )
    .execute(ds.db);
  await sql
    .raw(
      "create trigger fail_test_insert before insert on blocked_numbers for each row execute function fail_test_insert()",
    )
    .execute(ds.db);
}

for (const [engine, open] of Object.entries(engines)) {
  test.serial(`${engine}: a write that fails part-way takes out the rows already committed`, async (t) => {
    const { ds, cleanup } = await open();
    t.teardown(cleanup);
    const fx = await buildFixture(ds);
    const rows = 20_000;
    const first = 7_100_000;
    await failOnNumber(ds, `+1415${first + 12_000}`);
    const progress: string[] = [];
    const err = await t.throwsAsync(
      importBlockedNumbersInWorker(
        {
          config: ds.config!,
          csv: blockCsv(rows, first, "half a list"),
          target: { facilityId: fx.facilityId, setBy: "imp", now: T0 },
          batchSize: 1000,
        },
        (phase, done, total) => progress.push(`${phase}:${done}/${total}`),
      ),
    );
    t.regex(err?.message ?? "", /failed after 12000 of 20000 rows: .*disk full \(test fault\).*taken out again/);
    t.true(progress.includes("writing:12000/20000"), "twelve batches were committed before the fault");
    t.is(await count(ds, "half a list"), 0);
    t.is((await ds.db.selectFrom("importRuns").selectAll().execute()).length, 0);
  });

  test.serial(`${engine}: a file with rejected rows is refused whole by the worker, with their lines`, async (t) => {
    const { ds, cleanup } = await open();
    t.teardown(cleanup);
    const fx = await buildFixture(ds);
    const csv = `${blockCsv(3000, 7_200_000, "mixed list")}not-a-number,mixed list\n+14157300000,\n`;
    const err = await t.throwsAsync(
      importBlockedNumbersInWorker(
        { config: ds.config!, csv, target: { facilityId: fx.facilityId, setBy: "imp", now: T0 } },
        () => {},
      ),
      { instanceOf: DomainError },
    );
    const report = (err as DomainError).details as { rejected: { line: number; reason: string }[]; total: number };
    t.deepEqual(
      report.rejected.map((r) => r.line),
      [3002, 3003],
    );
    t.regex(report.rejected[1]?.reason ?? "", /reason is empty/);
    t.is(await count(ds, "mixed list"), 0);
    const partial = await importBlockedNumbersInWorker(
      {
        config: ds.config!,
        csv,
        target: { facilityId: fx.facilityId, setBy: "imp", now: T0 },
        acceptPartial: true,
      },
      () => {},
    );
    t.is(partial.written, 3000);
    t.is(await count(ds, "mixed list"), 3000);
  });

  test.serial(`${engine}: rows of an import cut off by a stop are taken out at the next start`, async (t) => {
    const { ds, cleanup } = await open();
    t.teardown(cleanup);
    const fx = await buildFixture(ds);
    const row = (id: string, number: string, reason: string) => [
      id,
      fx.facilityId,
      "number",
      number,
      null,
      null,
      "specific",
      reason,
      "imp",
      0,
      T0,
    ];
    await beginImportRun(ds.db, {
      id: "0123456789ab",
      kind: "blocked numbers",
      facilityId: fx.facilityId,
      startedAt: T0,
    });
    await ds.db.transaction().execute(async (tx) => {
      const columns = [
        "id",
        "facility_id",
        "kind",
        "number",
        "range_end",
        "pattern",
        "category",
        "reason",
        "set_by",
        "by_called_party",
        "created_at",
      ];
      const cut = Array.from({ length: 7000 }, (_, i) =>
        row(`0123456789ab-${i.toString(36).padStart(6, "0")}`, `+1415740${String(i).padStart(4, "0")}`, "cut off"),
      );
      await bulkInsert(ds, tx, "blocked_numbers", columns, cut);
      await bulkInsert(ds, tx, "blocked_numbers", columns, [row("0123456789ac-000000", "+14157500000", "kept")]);
    });
    const recovered = await recoverInterruptedImports(ds.db);
    t.deepEqual(recovered, [{ id: "0123456789ab", kind: "blocked numbers", facilityId: fx.facilityId, removed: 7000 }]);
    t.is(await count(ds, "cut off"), 0);
    t.is(await count(ds, "kept"), 1);
    t.deepEqual(await recoverInterruptedImports(ds.db), []);
  });
}
