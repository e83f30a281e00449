import test from "ava";
import type { ImportJobView } from "../../../controller/api/schemas/domain.ts";
import {
  adminName,
  adminPassword,
  type Client,
  facilityA,
  type Harness,
  makeUser,
  signIn,
  startDomainHarness,
} from "./app-harness.ts";

let h: Harness;
let admin: Client;
test.before(async () => {
  h = await startDomainHarness();
  admin = await signIn(h.app, adminName, adminPassword);
});
test.after.always(async () => {
  await h?.close();
});

async function upload(c: Client, csv: string, query = `facilityId=${facilityA}`) {
  return c.request({
    method: "POST",
    url: `/api/imports/blocked-numbers?${query}`,
    headers: { "content-type": "text/csv" },
    payload: csv,
  });
}

/** Polls the job until it ends; the import runs in a worker thread, which takes a moment to start. */
async function finish(c: Client, id: string): Promise<ImportJobView[]> {
  const seen: ImportJobView[] = [];
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const j = (await c.get(`/api/imports/${id}`)).json() as ImportJobView;
    seen.push(j);
    if (j.state !== "running") return seen;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error("import did not finish within a minute");
}

test.serial("a CSV import starts at once as a job and reports progress until every row is written", async (t) => {
  const rows = 5000;
  const csv = [
    "number,reason",
    ...Array.from({ length: rows }, (_, i) => `+1415${String(4_000_000 + i)},list ${i}`),
  ].join("\n");
  const res = await upload(admin, csv);
  t.is(res.statusCode, 202, res.body);
  const job = res.json() as ImportJobView;
  t.is(job.state, "running");
  const seen = await finish(admin, job.id);
  const last = seen[seen.length - 1]!;
  t.is(last.state, "done");
  t.is(last.written, rows);
  t.true(
    seen.some((j) => j.state === "running" && j.done > 0 && j.done < j.total),
    "a poll saw the import part-way",
  );
  const audit = (await admin.get(`/api/audit?action=block.import`)).json();
  t.is(audit.entries[0].after.written, rows);
});

test.serial("a file with a bad row is refused whole, with the line and the reason", async (t) => {
  const before = (await admin.get(`/api/blocked-numbers?facilityId=${facilityA}&limit=1000`)).json().length as number;
  const res = await upload(admin, "number,reason\n2135550101,ok\nnot-a-number,bad\n2135550102,\n");
  const seen = await finish(admin, res.json().id);
  const last = seen[seen.length - 1]!;
  t.is(last.state, "failed");
  t.deepEqual(
    last.rejected.map((r) => r.line),
    [3, 4],
  );
  t.regex(last.rejected[1]!.reason, /reason/);
  const after = (await admin.get(`/api/blocked-numbers?facilityId=${facilityA}&limit=1000`)).json().length as number;
  t.is(after, before, "nothing written");
});

test.serial("an import needs a CSV body and a target", async (t) => {
  t.is((await upload(admin, "")).statusCode, 400);
  t.is((await upload(admin, "number,reason\n2135550101,x\n", "")).statusCode, 400);
  const json = await admin.post("/api/imports/blocked-numbers?facilityId=demo-facility", { number: "1" });
  t.is(json.statusCode, 400);
});

test.serial("only the user who started an import can read its progress", async (t) => {
  const res = await upload(admin, "number,reason\n2135550109,x\n");
  const other = await makeUser(h, admin, {
    username: "other-fa",
    level: "Facility Administrator",
    facilityIds: [facilityA],
  });
  t.is((await other.get(`/api/imports/${res.json().id}`)).statusCode, 404);
  await finish(admin, res.json().id);
});
