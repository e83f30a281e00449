import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import type { AlertApi } from "../../controller/alerts/alert-routes.ts";
import type { AlertNotice } from "../../controller/alerts/alert-service.ts";
import type { AlertRecord } from "../../controller/alerts/alert-store.ts";
import { facilityA } from "../controller/api/app-harness.ts";
import { FakeCalls, FakeMonitors } from "../controller/api/live-fakes.ts";
import { recordedCall } from "../controller/api/recording-fixture.ts";
import { adminName, adminPassword, type E2e, screenshot, signInUi, startE2e } from "./e2e-harness.ts";

let e: E2e;
const calls = new FakeCalls();
const monitors = new FakeMonitors(calls);
/** The alert service's surface the routes use; alerts are raised by the test. */
const alertListeners = new Set<(n: AlertNotice) => void>();
const alertApi = {
  recentAlerts: async () => [],
  getAlert: async () => undefined,
  deliveriesOf: async () => [],
  deliveryLog: async () => [],
  acknowledge: async () => undefined,
  acknowledgeByToken: async () => undefined,
  subscribe(l: (n: AlertNotice) => void) {
    alertListeners.add(l);
    return () => alertListeners.delete(l);
  },
  currentConfig: () => ({}),
  updateConfig: () => undefined,
} as unknown as AlertApi;
const recDir = mkdtempSync(path.join(os.tmpdir(), "yl-rec-"));

test.before(async () => {
  monitors.stations.set("st-desk-9", {
    id: "st-desk-9",
    name: "Desk 9",
    facilityIds: [facilityA],
    enabled: true,
    registered: false,
  });
  monitors.stations.set("st-north", {
    id: "st-north",
    name: "North desk",
    facilityIds: ["north-facility"],
    enabled: true,
    registered: true,
  });
  e = await startE2e({
    domain: true,
    extra: () => ({
      live: { calls, events: calls.bus, monitors, stations: monitors.admin() },
      recordings: { dir: recDir },
      alerts: alertApi,
    }),
  });
  for (const [i, id] of ["rec-1", "rec-2"].entries()) {
    await recordedCall(e.ds!, recDir, {
      id,
      facilityId: facilityA,
      facilityName: "Yardline Demo County Jail",
      stationId: "demo-st-1",
      inmateName: i === 0 ? "John Miller" : "María García",
      destination: "+12132011234",
      startedAt: Date.UTC(2026, 2, 4, 18, i, 0),
    });
  }
});
test.after.always(async () => {
  await e?.close();
  rmSync(recDir, { recursive: true, force: true });
});

test.serial("a live call appears on screen as it starts and an officer terminates it", async (t) => {
  const page = await e.browser.newPage();
  await signInUi(page, e.url, adminName, adminPassword);
  await page.goto(`${e.url}#/live-calls`);
  await page.getByTestId("live-status").getByText("Live").waitFor();
  calls.start({ callId: "live-1", facilityId: facilityA, numberCalled: "+12132011234", hotNumber: true });
  calls.start({
    callId: "live-2",
    facilityId: facilityA,
    numberCalled: "+13105550123",
    housingUnitId: "demo-unit-b",
    recorderChannel: 4,
  });
  const table = page.getByTestId("live-calls");
  await table.getByRole("cell", { name: "+12132011234", exact: true }).waitFor();
  await table.getByRole("cell", { name: "+13105550123", exact: true }).waitFor();
  await screenshot(page, "live-calls");
  await page.getByRole("button", { name: "Terminate +12132011234" }).click();
  await table.getByRole("cell", { name: "+12132011234", exact: true }).waitFor({ state: "detached" });
  t.deepEqual(calls.terminated, [{ callId: "live-1", by: adminName }]);
  t.true(await table.getByRole("cell", { name: "+13105550123", exact: true }).isVisible());

  await page.goto(`${e.url}#/dashboard`);
  await page.getByRole("row", { name: /demo-unit-b/ }).waitFor();
  await screenshot(page, "dashboard");

  // A group of telephones: every call in one housing unit.
  await page.goto(`${e.url}#/live-calls`);
  await page.getByRole("button", { name: /End every call in housing unit: demo-unit-b/ }).click();
  await table.getByRole("cell", { name: "+13105550123", exact: true }).waitFor({ state: "detached" });
  t.deepEqual(calls.terminated.at(-1), { callId: "live-2", by: adminName });
  await page.close();
});

test.serial(
  "an officer monitors a call from the live-calls screen: starts it, sees it listed, changes its mode, stops it",
  async (t) => {
    const page = await e.browser.newPage();
    await signInUi(page, e.url, adminName, adminPassword);
    await page.goto(`${e.url}#/live-calls`);
    await page.getByTestId("live-status").getByText("Live").waitFor();
    calls.start({ callId: "mon-1", facilityId: facilityA, numberCalled: "+12135550111" });
    calls.start({ callId: "mon-priv", facilityId: facilityA, numberCalled: "+12132009999", monitorable: false });
    const table = page.getByTestId("live-calls");
    await table
      .getByRole("row", { name: /\+12132009999/ })
      .getByText("Privileged: not monitored")
      .waitFor();
    t.is(await page.getByRole("button", { name: "Monitor +12132009999" }).count(), 0);

    // Keyboard: the Monitor button opens the form with the focus on the station field; Enter starts.
    await page.getByRole("button", { name: "Monitor +12135550111" }).focus();
    await page.keyboard.press("Enter");
    const form = page.getByRole("form", { name: "Monitor call +12135550111" });
    await form.waitFor();
    t.is(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name), "station");
    // Only the stations set up for the call's facility are offered.
    const picker = form.getByRole("combobox", { name: "Monitoring station" });
    await picker.locator("option", { hasText: "Desk 1" }).waitFor({ state: "attached" });
    t.deepEqual(await picker.locator("option").allTextContents(), ["Desk 1", "Desk 9 (not registered)"]);
    await picker.selectOption("st-desk-1");
    await form.getByRole("radio", { name: "With beep" }).check();
    await form.getByRole("button", { name: "Call the station" }).press("Enter");
    const listed = table.getByTestId("monitor");
    await listed.getByText("Listening").waitFor();
    t.regex((await listed.textContent()) ?? "", /Desk 1/);
    t.like(monitors.requests.at(-1), { callId: "mon-1", mode: "beep", stationId: "st-desk-1" });
    t.is(await listed.getByRole("combobox").inputValue(), "beep");
    await screenshot(page, "live-calls-monitoring");

    // Change to barge-in, then stop.
    await listed.getByRole("combobox", { name: "Change mode Desk 1" }).selectOption("barge");
    await page.waitForFunction(
      () => document.querySelector<HTMLSelectElement>("[data-testid=monitor] select")?.value === "barge",
    );
    t.is(monitors.list("mon-1")[0]?.mode, "barge");
    await listed.getByRole("button", { name: "Stop Desk 1" }).click();
    await listed.waitFor({ state: "detached" });
    t.deepEqual(monitors.list("mon-1"), []);
    // A stop is told as a stop, never as a station that could not be connected.
    const ends = page.getByTestId("monitor-ends");
    await ends.getByText(`Monitoring on Desk 1 stopped by ${adminName}`).waitFor();
    t.notRegex((await ends.textContent()) ?? "", /could not be connected/);

    // The station is remembered for the next monitor; a refusal is shown in words.
    await page.getByRole("button", { name: "Monitor +12135550111" }).click();
    await picker.locator("option", { hasText: "Desk 1" }).waitFor({ state: "attached" });
    t.is(await picker.inputValue(), "st-desk-1");
    await picker.selectOption("st-desk-9");
    await form.getByRole("button", { name: "Call the station" }).click();
    await page
      .getByRole("alert")
      .getByText(/not registered/)
      .waitFor();
    await form.getByRole("button", { name: "Cancel" }).click();
    calls.terminate("mon-1", "test");
    calls.terminate("mon-priv", "test");
    await page.close();
  },
);

test.serial("recordings are found by the spec's criteria and two play at once", async (t) => {
  const page = await e.browser.newPage();
  await signInUi(page, e.url, adminName, adminPassword);
  await page.goto(`${e.url}#/recordings`);
  await page.locator('input[name="rec-destination"]').fill("+12132011234");
  await page.getByRole("button", { name: "Search" }).click();
  const rows = page.getByTestId("recordings").locator("tbody tr");
  await rows.nth(1).waitFor();
  t.is(await rows.count(), 2);
  await rows.nth(0).getByRole("button", { name: "Open" }).click();
  await rows.nth(1).getByRole("button", { name: "Open" }).click();
  const players = page.getByTestId("player");
  t.is(await players.count(), 2);
  for (const i of [0, 1]) await players.nth(i).getByRole("button", { name: "Play", exact: true }).click();
  // Both audio elements advance at the same time.
  await page.waitForFunction(
    () => [...document.querySelectorAll("audio")].every((a) => a.currentTime > 0.5 && !a.paused),
    undefined,
    { timeout: 15_000 },
  );
  const first = players.nth(0);
  await first.getByRole("button", { name: "Fast forward" }).click();
  const afterFf = await first.locator("audio").evaluate((a: HTMLAudioElement) => a.currentTime);
  t.true(afterFf >= 10, `fast forward reached ${afterFf}`);
  await first.getByRole("button", { name: "Rewind" }).click();
  const afterRw = await first.locator("audio").evaluate((a: HTMLAudioElement) => a.currentTime);
  t.true(afterRw < afterFf - 5, `rewind went back to ${afterRw}`);
  await first.getByRole("button", { name: "Pause" }).click();
  t.true(await first.locator("audio").evaluate((a: HTMLAudioElement) => a.paused));
  await first.getByRole("button", { name: "Stop" }).click();
  t.is(await first.locator("audio").evaluate((a: HTMLAudioElement) => a.currentTime), 0);
  await screenshot(page, "recordings");

  // The download link carries the file and its hash.
  const href = await first.getByRole("link", { name: "Download" }).getAttribute("href");
  const res = await page.evaluate(async (u) => {
    const r = await fetch(u!);
    return { status: r.status, sha: r.headers.get("x-recording-sha256") };
  }, href);
  t.is(res.status, 200);
  t.regex(res.sha ?? "", /^[0-9a-f]{64}$/);
  await page.close();
});

test.serial("a raised alert shows on the dashboard at once, with its sound", async (t) => {
  const page = await e.browser.newPage();
  // Count the tones the page starts (the chime is two WebAudio oscillators).
  await page.addInitScript(() => {
    const w = window as unknown as { tones: number; AudioContext: typeof AudioContext };
    w.tones = 0;
    const Real = w.AudioContext;
    w.AudioContext = class extends Real {
      override createOscillator() {
        const o = super.createOscillator();
        const start = o.start.bind(o);
        o.start = (when?: number) => {
          w.tones++;
          start(when);
        };
        return o;
      }
    };
  });
  await signInUi(page, e.url, adminName, adminPassword);
  await page.goto(`${e.url}#/dashboard`);
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  await page.waitForFunction(() => true);
  // Wait until the dashboard's alert feed is connected before raising.
  for (let i = 0; i < 100 && alertListeners.size === 0; i++) await page.waitForTimeout(50);
  t.true(alertListeners.size > 0, "the dashboard subscribed to alerts");
  const now = Date.now();
  const alert = {
    id: "al-1",
    facilityId: facilityA,
    type: "hot-number",
    category: "security",
    severity: "high",
    conditionKey: "k",
    title: "Hot number dialled",
    text: "John Miller dialled +14152007777 from Unit A dayroom, set 1",
    event: "{}",
    listenUrl: null,
    state: "open",
    occurrences: 1,
    firstAt: now,
    lastAt: now,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    steps: "[]",
    escalationStep: -1,
    stepStartedAt: null,
  } as unknown as AlertRecord;
  for (const l of alertListeners) l({ kind: "raised", alert });
  const banner = page.getByTestId("alert-banner");
  await banner.waitFor();
  t.regex((await banner.textContent()) ?? "", /Hot number dialled/);
  await page.waitForFunction(() => (window as unknown as { tones: number }).tones >= 2);
  await screenshot(page, "dashboard-alert");
  await page.close();
});
