import test from "ava";
import { authorize, NO_USAGE } from "../../../controller/domain/authorize.ts";
import { listFeatureGroups } from "../../../controller/domain/classes.ts";
import { loadFacilitySnapshot } from "../../../controller/domain/load-snapshot.ts";
import { DEMO_FACILITY_ID, DEMO_NUMBERS, seedDemoAgency } from "../../../controller/domain/seed.ts";
import { openSqlite } from "../store/fixtures.ts";

const NOON = Date.UTC(2026, 0, 5, 20, 0, 0);

test("the demo agency seeds once and its documented PINs and numbers behave as documented", async (t) => {
  const { ds, cleanup } = await openSqlite();
  t.teardown(cleanup);
  t.true((await seedDemoAgency(ds, NOON)).created);
  t.false((await seedDemoAgency(ds, NOON)).created);
  t.is((await listFeatureGroups(ds)).length, 6, "There shall be a minimum of six feature groups");
  const s = await loadFacilitySnapshot(ds, DEMO_FACILITY_ID);
  const call = (pin: string, dialled: string, at = NOON) =>
    authorize(s, { stationId: "demo-st-1", inmate: { pin }, dialled, at, usage: NO_USAGE });
  const ok = call("1111", DEMO_NUMBERS.family.slice(2));
  t.true(ok.allowed);
  t.is(ok.allowed && ok.maxDurationSec, 15 * 60);
  t.is(call("2222", "3102005555").allowed ? "allowed" : "denied", "denied");
  const hot = call("3333", "4152007777");
  t.deepEqual(hot.allowed && hot.hotNumber?.alertTargets, ["investigations-desk"]);
  const prea = call("5555", "18005550199");
  t.is(prea.allowed && prea.recording, "never");
  t.is(call("4444", "3102001234").allowed ? "" : (call("4444", "3102001234") as { rule: string }).rule, "not-approved");
  t.is(
    call("5555", "011442071234567").allowed ? "" : (call("5555", "011442071234567") as { rule: string }).rule,
    "call-type-not-allowed",
  );
  const night = call("1111", "2132011234", Date.UTC(2026, 0, 6, 8, 0, 0));
  t.is(night.allowed ? "" : night.rule, "schedule");
});
