import { rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { authorize, NO_USAGE } from "../../controller/domain/authorize.ts";
import { loadFacilitySnapshot } from "../../controller/domain/load-snapshot.ts";
import { DEMO_NUMBERS, DEMO_STATION_IDS } from "../../controller/domain/seed.ts";
import { facilityA, facilityB, inmateB } from "../controller/api/app-harness.ts";
import { adminName, adminPassword, createUser, type E2e, screenshot, signInUi, startE2e } from "./e2e-harness.ts";

let e: E2e;
test.before(async () => {
  e = await startE2e({ domain: true });
  // A facility-A administrator.
  await createUser(e, {
    username: "fa-a",
    displayName: "Facility A Admin",
    level: "Facility Administrator",
    facilityIds: [facilityA],
    password: "fa-a-initial-1",
  });
});
test.after.always(async () => {
  await e?.close();
});

/** 12:00 in Los Angeles, inside the demo facility's calling hours. */
const noonLa = Date.UTC(2026, 2, 4, 20, 0, 0);

async function decideNextCall() {
  const snapshot = await loadFacilitySnapshot(e.ds!, facilityA, { now: noonLa });
  return authorize(snapshot, {
    stationId: DEMO_STATION_IDS[0]!,
    inmate: { pin: "1111" },
    dialled: DEMO_NUMBERS.family.slice(2),
    at: noonLa,
    usage: NO_USAGE,
  });
}

test.serial("a facility user cannot reach another facility's data through the UI or the API", async (t) => {
  const page = await e.browser.newPage();
  await page.goto(e.url);
  await page.getByLabel("User name").fill("fa-a");
  await page.getByLabel("Password").fill("fa-a-initial-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  // First sign-on: the assigned password must be changed.
  await page.getByLabel("Current password").fill("fa-a-initial-1");
  await page.getByLabel("New password", { exact: true }).fill("fa-a-own-secret");
  await page.getByLabel("Repeat new password").fill("fa-a-own-secret");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByTestId("signed-in-as").waitFor();

  await page.goto(`${e.url}#/inmates`);
  await page.getByRole("button", { name: "D-1001" }).waitFor();
  const options = await page.locator('select[name="facility"] option').allTextContents();
  t.deepEqual(options, ["Yardline Demo County Jail"], "only the user's own facility is offered");
  t.false(await page.getByText(inmateB).isVisible());

  // The same session, straight at the API: refused on the server.
  const status = await page.evaluate(
    async (ids) => {
      const one = await fetch(`/api/inmates/${ids.inmate}`);
      const list = await fetch(`/api/inmates?facilityId=${ids.facility}`);
      return { one: one.status, list: await list.json() };
    },
    { inmate: inmateB, facility: facilityB },
  );
  t.is(status.one, 404);
  t.deepEqual(status.list, []);
  await page.close();
});

test.serial("changing a class of service in the UI is enforced on the next call", async (t) => {
  const before = await decideNextCall();
  t.true(before.allowed);
  if (!before.allowed) return;
  t.is(before.maxDurationSec, 15 * 60);

  const page = await e.browser.newPage();
  await signInUi(page, e.url, adminName, adminPassword);
  await page.goto(`${e.url}#/inmates`);
  await page.locator('select[name="facility"]').selectOption(facilityA);
  await page.getByRole("button", { name: "D-1001" }).click();
  await page
    .getByTestId("inmate-detail")
    .getByRole("cell", { name: "facility — General population" })
    .first()
    .waitFor();
  await screenshot(page, "inmate-detail");

  await page.goto(`${e.url}#/classes-of-service`);
  const form = page.getByRole("form", { name: "General population" });
  await form.locator('input[name="cos-general-maxDuration-minutes"]').fill("5");
  await form.getByRole("button", { name: "Save" }).click();
  await form.getByRole("status").waitFor();
  await screenshot(page, "classes-of-service");

  const after = await decideNextCall();
  t.true(after.allowed, JSON.stringify(after));
  if (after.allowed) t.is(after.maxDurationSec, 5 * 60);

  // A value outside the spec's range is refused with the reason, and nothing changes.
  await form.locator('input[name="cos-general-maxDuration-minutes"]').fill("45");
  await form.getByRole("button", { name: "Save" }).click();
  await form.getByRole("alert").waitFor();
  t.regex((await form.getByRole("alert").textContent()) ?? "", /1 to 30/);
  const still = await decideNextCall();
  if (still.allowed) t.is(still.maxDurationSec, 5 * 60);

  // Assigning the inmate a class of its own shows where each value now comes from.
  await page.goto(`${e.url}#/inmates`);
  await page.locator('select[name="facility"]').selectOption(facilityA);
  await page.getByRole("button", { name: "D-1001" }).click();
  await page.locator('select[name="inmate-cos"]').selectOption("cos-restricted");
  await page.getByTestId("inmate-detail").getByRole("button", { name: "Save" }).first().click();
  await page.getByTestId("inmate-detail").getByRole("cell", { name: "inmate — Restricted housing" }).first().waitFor();
  const restricted = await decideNextCall();
  if (restricted.allowed) t.is(restricted.maxDurationSec, 10 * 60);
  else t.fail(JSON.stringify(restricted));
  await page.close();
});

/** The next call decision for D-1002 (facility class "General population"), at noon on a Wednesday. */
async function decideForGeneral() {
  const snapshot = await loadFacilitySnapshot(e.ds!, facilityA, { now: noonLa });
  return authorize(snapshot, {
    stationId: DEMO_STATION_IDS[1]!,
    inmate: { pin: "2222" },
    dialled: DEMO_NUMBERS.family.slice(2),
    at: noonLa,
    usage: NO_USAGE,
  });
}

test.serial("a class of service's calling hours and call types changed in the UI decide the next call", async (t) => {
  t.true((await decideForGeneral()).allowed, "no class schedule and every call type at first");
  const page = await e.browser.newPage();
  await signInUi(page, e.url, adminName, adminPassword);
  await page.goto(`${e.url}#/classes-of-service`);
  const form = page.getByRole("form", { name: "General population" });
  const save = async () => {
    const put = page.waitForResponse(
      (r) => r.url().includes("/api/classes-of-service/cos-general") && r.request().method() === "PUT",
    );
    await form.getByRole("button", { name: "Save" }).click();
    const res = await put;
    t.is(res.status(), 200, await res.text());
    await form.getByRole("status").waitFor();
  };

  // Calling hours on Wednesdays 18:00–22:00 only: a call at noon on a Wednesday is refused.
  await form.locator('input[name="cos-general-schedule-enabled"]').check();
  await form.getByRole("button", { name: "Add calling hours" }).click();
  await form.locator('select[name="cos-general-schedule-0-day"]').selectOption("3");
  await form.locator('input[name="cos-general-schedule-0-start"]').fill("18:00");
  await form.locator('input[name="cos-general-schedule-0-end"]').fill("22:00");
  await save();
  const closed = await decideForGeneral();
  t.false(closed.allowed);
  if (!closed.allowed) t.is(closed.rule, "schedule");

  // Wednesdays 09:00–17:00, and Thursdays the same (a second window): noon is open, until 17:00.
  await form.locator('input[name="cos-general-schedule-0-start"]').fill("09:00");
  await form.locator('input[name="cos-general-schedule-0-end"]').fill("17:00");
  await form.getByRole("button", { name: "Add calling hours" }).click();
  t.is(await form.locator('select[name="cos-general-schedule-1-day"]').inputValue(), "4");
  await save();
  const open = await decideForGeneral();
  t.true(open.allowed, JSON.stringify(open));
  if (open.allowed) t.true(open.explanation.some((x) => x.startsWith("class-of-service schedule closes in 18000 s")));
  await form.evaluate((el) => el.scrollIntoView());
  await screenshot(page, "cos-schedule");

  // Local calls taken out of the allowed call types: the family number (local) is refused.
  await form.locator('input[name="cos-general-callTypes-enabled"]').check();
  await form.locator('input[name="cos-general-callTypes-local"]').uncheck();
  await save();
  const local = await decideForGeneral();
  t.false(local.allowed);
  if (!local.allowed) t.is(local.rule, "call-type-not-allowed");

  // What was saved is what a reload shows.
  await page.reload();
  const again = page.getByRole("form", { name: "General population" });
  t.false(await again.locator('input[name="cos-general-callTypes-local"]').isChecked());
  t.true(await again.locator('input[name="cos-general-callTypes-interstate"]').isChecked());
  t.is(await again.locator('input[name="cos-general-schedule-1-end"]').inputValue(), "17:00");

  // And back: local allowed, the schedule off.
  await again.locator('input[name="cos-general-callTypes-local"]').check();
  await again.locator('input[name="cos-general-schedule-enabled"]').uncheck();
  const put = page.waitForResponse((r) => r.url().includes("/api/classes-of-service/cos-general"));
  await again.getByRole("button", { name: "Save" }).click();
  t.is((await put).status(), 200);
  t.true((await decideForGeneral()).allowed);
  await page.close();
});

test.serial("importing a number list shows a progress bar that advances to the end", async (t) => {
  // Large enough that the import (in its worker thread) takes seconds, so the page's 100 ms polls
  // land in the middle of it.
  const rows = 200_000;
  const lines = ["number,reason"];
  for (let i = 0; i < rows; i++) lines.push(`+1415${String(3_000_000 + i).padStart(7, "0")},fraud list`);
  const file = path.join(os.tmpdir(), `yl-blocks-${process.pid}.csv`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  t.teardown(() => rmSync(file, { force: true }));

  const page = await e.browser.newPage();
  await signInUi(page, e.url, adminName, adminPassword);
  await page.goto(`${e.url}#/number-lists`);
  await page.locator('select[name="facility"]').selectOption(facilityA);
  const posted = page.waitForResponse(
    (r) => r.url().includes("/api/imports/blocked-numbers") && r.request().method() === "POST",
  );
  await page.locator('input[name="import-file"]').setInputFiles(file);
  const jobId = ((await (await posted).json()) as { id: string }).id;
  // The page polls every 100 ms; on a loaded machine a whole import can fall between two of its
  // polls, so the job's progress is also read, as fast as the server answers, from the test.
  const apiSeen = new Set<string>();
  const apiPoll = (async () => {
    for (let i = 0; i < 20_000; i++) {
      const j = (await (await page.request.get(`${e.url}/api/imports/${jobId}`)).json()) as {
        state: string;
        phase: string;
        done: number;
        total: number;
      };
      apiSeen.add(`${j.phase}:${j.done}/${j.total}`);
      if (j.state !== "running") return;
    }
  })();
  const progress = page.getByTestId("import-progress");
  await progress.waitFor();
  const seen = new Set<string>();
  for (;;) {
    const state = await progress.getAttribute("data-state");
    const value = await progress.locator("progress").evaluate((p: HTMLProgressElement) => `${p.value}/${p.max}`);
    seen.add(value);
    if (seen.size === 2) await screenshot(page, "number-list-import");
    if (state !== "running") break;
    await page.waitForTimeout(20);
  }
  t.is(await progress.getAttribute("data-state"), "done");
  t.regex((await progress.textContent()) ?? "", new RegExp(`${rows} / ${rows}`));
  const intermediate = [...seen].filter((v) => {
    const [a, b] = v.split("/").map(Number);
    return a! > 0 && a! < b! && b! > 1;
  });
  await apiPoll;
  const apiIntermediate = [...apiSeen].filter((v) => {
    const [a, b] = (v.split(":")[1] ?? "").split("/").map(Number);
    return a! > 0 && a! < b!;
  });
  const job = (await (await page.request.get(`${e.url}/api/imports/${jobId}`)).json()) as {
    startedAt: string;
    finishedAt: string;
  };
  t.log(
    `import took ${Date.parse(job.finishedAt) - Date.parse(job.startedAt)} ms; progress values seen on the page: ${[...seen].join(" ")}; from the job: ${apiIntermediate.length} part-way`,
  );
  // The import runs off the controller's event loop, so the page's polls are answered while it
  // works and the bar is seen part-way, not only at 0 and 100 %.
  t.true(intermediate.length > 0, `the page showed only ${[...seen].join(" ")}`);
  t.true(apiIntermediate.length > 0, "the job was read part-way");
  const count = await e
    .ds!.db.selectFrom("blockedNumbers")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("reason", "=", "fraud list")
    .executeTakeFirst();
  t.is(Number(count?.n), rows);
  await screenshot(page, "number-lists");
  await page.close();
});

test.serial("rates show the FCC cap check, and a rate above the cap is refused on screen", async (t) => {
  const page = await e.browser.newPage();
  await signInUi(page, e.url, adminName, adminPassword);
  await page.goto(`${e.url}#/rates`);
  await page.locator('select[name="facility"]').selectOption(facilityA);
  await page
    .getByRole("cell", { name: /FCC|cap/ })
    .first()
    .waitFor();
  await page.locator('input[name="rate-per-minute"]').fill("0.900");
  await page.locator('input[name="rate-effective"]').fill("2026-03-10");
  await page.getByRole("button", { name: "Create" }).click();
  await page.getByTestId("rate-error").waitFor();
  t.regex((await page.getByTestId("rate-error").textContent()) ?? "", /above the FCC limit/);
  await screenshot(page, "rates");
  await page.goto(`${e.url}#/phone-banks`);
  await page.getByRole("cell", { name: "A", exact: true }).waitFor();
  await screenshot(page, "phone-banks");
  await page.goto(`${e.url}#/call-records`);
  await page.getByTestId("call-records").waitFor();
  await screenshot(page, "call-records");
  t.pass();
  await page.close();
});
