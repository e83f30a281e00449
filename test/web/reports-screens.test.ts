/**
 * The Reports screen in Chromium against the real server: a report run over known call records
 * shows its heading, rows and totals and reads in Spanish; the CSV downloads with the same
 * figures; a facility user's reports cover only their facility.
 */
import { readFileSync } from "node:fs";
import test from "ava";
import type { DomainStore } from "../../controller/store/domain-store.ts";
import type { NewCallRecord } from "../../controller/store/schema.ts";
import { facilityA, facilityB, inmateB } from "../controller/api/app-harness.ts";
import { insertCallRecord } from "../controller/api/call-record-fixture.ts";
import { adminName, adminPassword, createUser, type E2e, screenshot, signInUi, startE2e } from "./e2e-harness.ts";

let e: E2e;

/** 12:00 in Los Angeles on 2026-03-02 and 03-03. */
const day1 = Date.UTC(2026, 2, 2, 20, 0, 0);
const day2 = Date.UTC(2026, 2, 3, 20, 0, 0);

let n = 0;
function call(ds: DomainStore, over: Partial<NewCallRecord> & { startedAt: number }): Promise<void> {
  // These screens were written against records with no recorder channel.
  return insertCallRecord(ds, `ui-rep-${++n}`, { recorderChannel: null, ...over });
}

test.before(async () => {
  e = await startE2e({ domain: true });
  const ds = e.ds!;
  await call(ds, { startedAt: day1 });
  await call(ds, { startedAt: day1 + 60_000, durationSec: 300, chargeCents: 105 });
  await call(ds, { startedAt: day2, inmateId: "D-1002", inmateName: "María García" });
  await call(ds, {
    startedAt: day2,
    facilityId: facilityB,
    facilityName: "North State Prison",
    stationId: "north-st-1",
    inmateId: inmateB,
    inmateName: "Nora North",
    chargeCents: 999,
  });
  // A facility-A administrator.
  await createUser(e, {
    username: "rep-a",
    displayName: "Reports A",
    level: "Facility Administrator",
    facilityIds: [facilityA],
    password: "rep-a-initial-1",
  });
});
test.after.always(async () => {
  await e?.close();
});

async function runDailyVolume(page: import("playwright-core").Page): Promise<void> {
  await page.goto(`${e.url}#/reports`);
  await page.locator('select[name="report"]').selectOption("daily-volume");
  await page.locator('input[name="report-from"]').fill("2026-03-01T00:00");
  await page.locator('input[name="report-to"]').fill("2026-03-05T00:00");
  await page.getByRole("button", { name: "Run report" }).click();
  await page.getByTestId("report").waitFor();
}

test.serial("a report runs on screen with its heading and totals, reads in Spanish and downloads as CSV", async (t) => {
  const page = await e.browser.newPage();
  await signInUi(page, e.url, adminName, adminPassword);
  await runDailyVolume(page);
  const report = page.getByTestId("report");
  t.is(await report.getByRole("heading").textContent(), "Daily call volume and charges");
  t.regex((await report.textContent()) ?? "", /Generated .* by central at terminal 127\.0\.0\.1/);
  // Facility A on two days and facility B on one; totals: 4 calls, $1.47 + $9.99.
  t.is(await report.locator("tbody tr").count(), 3);
  const totals = await page.getByTestId("report-totals").locator("td").allTextContents();
  t.deepEqual(totals, ["Total", "", "4", "4", "8:00", "$11.46"]);
  t.regex((await report.textContent()) ?? "", /End of report/);
  await screenshot(page, "reports");

  const download = page.waitForEvent("download");
  await page.getByTestId("report-csv").click();
  const file = await (await download).path();
  const csv = readFileSync(file, "utf8").trim().split("\r\n");
  t.is(csv[0], "Date,Facility,Calls attempted,Calls completed,Duration (s),Charges ($)");
  t.is(csv[csv.length - 1], "Total,,4,4,480,11.46");

  await page.getByTestId("language").selectOption("es");
  await page.getByRole("button", { name: "Generar informe" }).click();
  await page.getByRole("heading", { name: "Volumen diario de llamadas y cargos" }).waitFor();
  t.true(await page.getByRole("columnheader", { name: "Llamadas completadas" }).isVisible());
  t.regex((await report.textContent()) ?? "", /Fin del informe/);
  await page.getByTestId("language").selectOption("en");
  await page.close();
});

test.serial("a facility user's report shows only their facility", async (t) => {
  const page = await e.browser.newPage();
  await page.goto(e.url);
  await page.getByLabel("User name").fill("rep-a");
  await page.getByLabel("Password").fill("rep-a-initial-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("Current password").fill("rep-a-initial-1");
  await page.getByLabel("New password", { exact: true }).fill("rep-a-own-secret");
  await page.getByLabel("Repeat new password").fill("rep-a-own-secret");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByTestId("signed-in-as").waitFor();
  await runDailyVolume(page);
  const text = (await page.getByTestId("report").textContent()) ?? "";
  t.notRegex(text, /North State Prison/);
  t.deepEqual(await page.getByTestId("report-totals").locator("td").allTextContents(), [
    "Total",
    "",
    "3",
    "3",
    "7:00",
    "$1.47",
  ]);
  // Straight at the API with the same session: the other facility reads as missing.
  const status = await page.evaluate(
    async (id) =>
      (await fetch(`/api/reports/daily-volume?from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z&facilityIds=${id}`))
        .status,
    facilityB,
  );
  t.is(status, 404);
  await page.close();
});

test.serial("a report's layout is saved with its columns and sort, listed under its category, and runs", async (t) => {
  const page = await e.browser.newPage();
  await signInUi(page, e.url, adminName, adminPassword);
  await runDailyVolume(page);
  const form = page.getByTestId("save-layout");
  await form.locator("summary").click();
  await form.locator('input[name="layout-name"]').fill("Days by charges");
  await form.locator('input[name="layout-category"]').fill("Management");
  await form.locator('input[name="layout-column-completed"]').uncheck();
  await form.locator('input[name="layout-column-duration"]').uncheck();
  // Charges moved to the front, before the facility and the date.
  await form.getByRole("button", { name: "Move Charges ($) earlier" }).click();
  await form.getByRole("button", { name: "Move Charges ($) earlier" }).click();
  await form.getByRole("button", { name: "Move Charges ($) earlier" }).click();
  t.deepEqual(await form.getByTestId("layout-column-order").locator("li").allTextContents(), [
    "Charges ($) ↑",
    "Date ↑",
    "Facility ↑",
    "Calls attempted ↑",
  ]);
  await form.locator('select[name="layout-sort-1"]').selectOption("charge");
  await form.locator('select[name="layout-sort-dir-1"]').selectOption("desc");
  await form.getByRole("button", { name: "Save layout" }).click();
  await form.getByRole("status").waitFor();
  t.is(await form.getByRole("status").textContent(), "Saved under Management.");

  // A fresh visit lists it in the report menu under its category.
  await page.goto(`${e.url}#/dashboard`);
  await page.goto(`${e.url}#/reports`);
  const option = page.locator('select[name="report"] optgroup[label="Management"] option');
  await option.first().waitFor({ state: "attached" });
  t.deepEqual(await option.allTextContents(), ["Days by charges"]);
  const value = await option.first().getAttribute("value");
  await page.locator('select[name="report"]').selectOption(value!);
  t.regex((await page.getByTestId("layout-of").textContent()) ?? "", /Daily call volume and charges/);
  await page.getByRole("button", { name: "Run report" }).click();
  const report = page.getByTestId("report");
  await report.waitFor();
  t.is(await report.getByRole("heading").textContent(), "Days by charges");
  t.deepEqual(await report.locator("thead th").allTextContents(), [
    "Charges ($)",
    "Date",
    "Facility",
    "Calls attempted",
  ]);
  // Largest charges first: facility B's $9.99, then facility A's first day, then its second.
  t.deepEqual(await report.locator("tbody tr td:first-child").allTextContents(), ["$9.99", "$1.26", "$0.21"]);
  // The total line's first cell names it and keeps the charges' total beside the name.
  t.deepEqual(await page.getByTestId("report-totals").locator("td").allTextContents(), ["Total: $11.46", "", "", "4"]);

  // Its maker deletes it from the same menu.
  await page.getByRole("button", { name: "Delete layout" }).click();
  await page.locator('select[name="report"] optgroup[label="Management"]').waitFor({ state: "detached" });
  t.is(await page.locator('select[name="report"] option', { hasText: "Days by charges" }).count(), 0);
  await page.close();
});
