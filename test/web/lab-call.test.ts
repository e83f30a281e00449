/**
 * The admin UI against the running lab and a real call: the real firmware on the simulated phone
 * bank lifts a handset and keys a PIN and a number, the controller places the call on the
 * simulated trunk, whose called party accepts. In Chromium an administrator sees the call live,
 * terminates it, finds its record ended "Terminated by admin", and plays its recording (the
 * position moves).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { DEMO_NUMBERS, openDemoFacilityAllDay } from "../../controller/domain/seed.ts";
import type { CallRecordRow } from "../../controller/store/schema.ts";
import { freePort, type Lab, sim, startLab, waitFor } from "../../lab/lab.ts";
import { sine, writeWav } from "../support/audio.ts";
import { launchBrowser, type TestBrowser } from "../support/browser.ts";
import { screenshot } from "./e2e-harness.ts";
import { ensureWebDist } from "./lab-web-dist.ts";

const adminPassword = "lab-call-admin-1";
const ownPassword = "lab-call-admin-own-2";
const number = DEMO_NUMBERS.family;

let lab: Lab;
let dir: string;
let browser: TestBrowser;

test.before(async (t) => {
  // Starting the lab builds the phone prompts on first start; on a loaded machine that is slow.
  t.timeout(300_000);
  await ensureWebDist();
  dir = mkdtempSync(path.join(os.tmpdir(), "yl-lab-ui-"));
  const host = "127.0.0.1";
  lab = await startLab({
    dataDir: dir,
    host,
    httpPort: await freePort(host),
    sipPort: await freePort(host),
    banksPort: await freePort(host),
    simPort: await freePort(host),
    trunkPort: await freePort(host),
    adminPassword,
    serveUi: true,
    log: () => {},
  });
  // D-1001's name is already recorded, so PIN and number can be keyed in one go.
  const name = path.join(dir, "name.wav");
  writeWav(name, sine([300], 800, { levelDbm0: -16 }));
  await lab.controller.ds.db.updateTable("inmates").set({ recordedName: name }).execute();
  lab.controller.ds.changed(null);
  // The seeded calling hours are 06:00–23:00 facility time; the test runs at any hour.
  await openDemoFacilityAllDay(lab.controller.ds);
  // The hours are pushed to the phone bank too (outside them its units are off): wait for it.
  await lab.settled();
  browser = await launchBrowser();
});

test.after.always(async () => {
  await browser?.close();
  await lab?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a live call placed through the lab is terminated from the browser, and its recording plays", async (t) => {
  t.timeout(300_000);
  const svc = lab.controller.calls;
  const page = await browser.newPage();
  // The lab's administrator must choose a password of their own at first sign-on.
  await page.goto(lab.httpUrl);
  await page.getByLabel("User name").fill("admin");
  await page.getByLabel("Password").fill(adminPassword);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("Current password").fill(adminPassword);
  await page.getByLabel("New password", { exact: true }).fill(ownPassword);
  await page.getByLabel("Repeat new password").fill(ownPassword);
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByTestId("signed-in-as").waitFor();
  await page.goto(`${lab.httpUrl}/#/live-calls`);
  await page.getByTestId("live-status").getByText("Live").waitFor();

  // A person at the phone bank: lift handset 1, English, PIN 1111 #, the number #.
  await sim(lab.simUrl, "/handsets/h1/lift", {});
  const stationCall = () =>
    svc.calls
      .live()
      .find((l) => l.stationId === "demo-st-1" && svc.calls.session(l.callId)?.handset.getInfo().state === "CONFIRMED");
  await waitFor(() => stationCall() !== undefined, 20_000, "the controller to answer handset h1");
  const callId = stationCall()!.callId;
  await sim(lab.simUrl, "/handsets/h1/keys", { digits: `11111#${number.slice(2)}#` });
  // The called party hears the whole announcement (about 35 s) before it accepts with 1.
  await waitFor(() => svc.calls.session(callId)?.state === "connected", 150_000, "the called party to accept");

  const table = page.getByTestId("live-calls");
  const row = table.getByRole("row", { name: new RegExp(number.replace("+", "\\+")) });
  await row.waitFor();
  // Talk a few seconds so the recording has something to play.
  await new Promise((r) => setTimeout(r, 6000));
  await screenshot(page, "lab-live-call");
  await page.getByRole("button", { name: `Terminate ${number}` }).click();
  await row.waitFor({ state: "detached", timeout: 20_000 });
  await waitFor(() => svc.calls.session(callId) === undefined, 20_000, "the call to end");
  // The recording is sealed when the call ends; wait for the record to name its file.
  let record: CallRecordRow | undefined;
  await waitFor(
    async () => {
      record = await lab.controller.ds.db
        .selectFrom("callRecords")
        .selectAll()
        .where("id", "=", callId)
        .executeTakeFirst();
      return record?.status === "completed" && record.recordingFile !== null;
    },
    20_000,
    "the call record to close with its recording",
  );
  t.is(record!.ending, "Terminated by admin");
  t.true(record!.durationSec >= 5, `talked ${record!.durationSec} s`);

  // The record in the UI says who ended it.
  await page.goto(`${lab.httpUrl}/#/call-records`);
  const records = page.getByTestId("call-records");
  await records
    .getByRole("cell", { name: number.slice(2), exact: true })
    .first()
    .waitFor();
  await records.locator("tbody tr").first().getByRole("button").click();
  const detail = page.getByTestId("call-record-detail");
  await detail.getByText("Terminated by admin").waitFor();
  t.true(await detail.getByText(number, { exact: false }).first().isVisible());

  // Its recording, found by the number, plays: the position moves.
  await page.goto(`${lab.httpUrl}/#/recordings`);
  await page.locator('input[name="rec-destination"]').fill(number);
  await page.getByRole("button", { name: "Search" }).click();
  const rows = page.getByTestId("recordings").locator("tbody tr");
  await rows.first().waitFor();
  t.is(await rows.count(), 1);
  await rows.first().getByRole("button", { name: "Open" }).click();
  const player = page.getByTestId("player").first();
  await player.getByRole("button", { name: "Play", exact: true }).click();
  const audio = player.locator("audio");
  await page.waitForFunction(
    () => {
      const a = document.querySelector("audio");
      return a !== null && !a.paused && a.currentTime > 0.5;
    },
    undefined,
    { timeout: 15_000 },
  );
  const p1 = await audio.evaluate((a: HTMLAudioElement) => a.currentTime);
  await page.waitForTimeout(1000);
  const p2 = await audio.evaluate((a: HTMLAudioElement) => a.currentTime);
  t.true(p2 > p1, `position ${p1} then ${p2}`);
  t.true(await audio.evaluate((a: HTMLAudioElement) => a.duration >= 5), "the whole conversation is there");
  await screenshot(page, "lab-recording");
  await page.close();
});
