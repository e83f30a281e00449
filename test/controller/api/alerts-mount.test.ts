import test from "ava";
import type { AlertNotice } from "../../../controller/alerts/alert-service.ts";
import type { AlertRecord } from "../../../controller/alerts/alert-store.ts";
import type { AlertApi } from "../../../controller/alerts/alert-routes.ts";
import {
  adminName,
  adminPassword,
  type Client,
  facilityA,
  facilityB,
  type Harness,
  makeUser,
  signIn,
  startDomainHarness,
} from "./app-harness.ts";

function alert(id: string, facilityId: string): AlertRecord {
  return {
    id,
    facilityId,
    type: "hot-number",
    category: "security",
    severity: "high",
    conditionKey: id,
    title: `Hot number dialled (${facilityId})`,
    text: "test",
    event: "{}",
    listenUrl: null,
    state: "open",
    occurrences: 1,
    firstAt: Date.UTC(2026, 2, 4),
    lastAt: Date.UTC(2026, 2, 4),
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    steps: "[]",
    escalationStep: -1,
    stepStartedAt: null,
  } as unknown as AlertRecord;
}

/** Only what the mounted routes call; the alert service itself is tested in its own module. */
const fake = {
  alerts: [alert("al-a", facilityA), alert("al-b", facilityB)],
  listeners: new Set<(n: AlertNotice) => void>(),
  recentAlerts: async () => fake.alerts,
  getAlert: async (id: string) => fake.alerts.find((a) => a.id === id),
  deliveriesOf: async () => [],
  deliveryLog: async () => [],
  acknowledge: async () => undefined,
  acknowledgeByToken: async () => undefined,
  subscribe(l: (n: AlertNotice) => void) {
    fake.listeners.add(l);
    return () => fake.listeners.delete(l);
  },
  currentConfig: () => ({}) as ReturnType<AlertApi["currentConfig"]>,
  updateConfig: () => undefined,
};

let h: Harness;
let faA: Client;
test.before(async () => {
  h = await startDomainHarness(() => ({ alerts: fake as unknown as AlertApi }));
  const admin = await signIn(h.app, adminName, adminPassword);
  faA = await makeUser(h, admin, { username: "officer-a", level: "Monitoring Officer", facilityIds: [facilityA] });
});
test.after.always(async () => {
  await h?.close();
});

test("the alert routes are mounted behind the same sign-on and facility scope", async (t) => {
  t.is((await h.app.inject({ method: "GET", url: "/api/alerts" })).statusCode, 401);
  const res = await faA.get("/api/alerts");
  t.is(res.statusCode, 200, res.body);
  t.deepEqual(
    (res.json() as { id: string }[]).map((a) => a.id),
    ["al-a"],
  );
  const features = (await faA.get("/api/features")).json();
  t.true(features.alerts);
});
