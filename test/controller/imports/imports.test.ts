import test from "ava";
import { DomainError } from "../../../controller/domain/errors.ts";
import { listRates } from "../../../controller/rating/rates.ts";
import { lookupExchange } from "../../../controller/rating/npa-nxx.ts";
import { importNpaNxx } from "../../../controller/imports/npa-nxx.ts";
import { importRates } from "../../../controller/imports/rates.ts";
import { buildFixture, openSqlite, T0 } from "../store/fixtures.ts";

test("an NPA-NXX import reports each rejected row by line and writes nothing unless partial is accepted", async (t) => {
  const { ds, cleanup } = await openSqlite();
  t.teardown(cleanup);
  const csv =
    "npa,nxx,state,lata,rate_center,city\n505,200,NM,664,ALBUQUERQUE,Albuquerque\n105,200,NM,664,X,X\n505,201,NM,,X,X\n";
  const e = await t.throwsAsync(importNpaNxx(ds, csv), { instanceOf: DomainError });
  const rep = e?.details as { rejected: Array<{ line: number; reason: string }>; committed: boolean };
  t.deepEqual(
    rep.rejected.map((r) => r.line),
    [3, 4],
  );
  t.regex(rep.rejected[0]?.reason ?? "", /not a 3-digit area code/);
  t.false(rep.committed);
  t.is(await lookupExchange(ds, "505", "200"), undefined);
  const partial = await importNpaNxx(ds, csv, { acceptPartial: true });
  t.is(partial.written, 1);
  t.is((await lookupExchange(ds, "505", "200"))?.rateCenter, "ALBUQUERQUE");
});

test("a rate table import rejects a row above the FCC cap with the cap's explanation", async (t) => {
  const { ds, cleanup } = await openSqlite();
  t.teardown(cleanup);
  const fx = await buildFixture(ds);
  const csv =
    "call_type,effective_from,per_minute\nlocal,2026-03-01,0.09\ninterstate,2026-03-01,0.15\nlocal,2026-03-01,0.08\n";
  const e = await t.throwsAsync(importRates(ds, fx.scope, fx.facilityId, csv, { createdBy: "t", now: T0 }), {
    instanceOf: DomainError,
  });
  const rep = e?.details as { rejected: Array<{ line: number; reason: string }> };
  t.is(rep.rejected[0]?.line, 3);
  t.regex(rep.rejected[0]?.reason ?? "", /above the FCC limit of \$0\.14\/min/);
  t.regex(rep.rejected[1]?.reason ?? "", /already exists/);
  const before = (await listRates(ds, fx.scope, fx.facilityId)).length;
  const ok = await importRates(
    ds,
    fx.scope,
    fx.facilityId,
    "call_type,effective_from,per_minute\nlocal,2026-03-01,0.09\n",
    { createdBy: "t", now: T0 },
  );
  t.is(ok.written, 1);
  t.is((await listRates(ds, fx.scope, fx.facilityId)).length, before + 1);
});
