/**
 * The monitoring stations screen: an administrator sets a station up for the facility in use,
 * is shown its password once, resets it and disables the station; the station then is no
 * longer offered to officers on the live-calls screen.
 */
import { createHash } from "node:crypto";
import test from "ava";
import { MonitorStationDirectory } from "../../controller/calls/monitor-station-directory.ts";
import { VirtualClock } from "../../telephony/clock.ts";
import { adminName, adminPassword } from "../controller/api/app-harness.ts";
import { FakeCalls, FakeMonitors } from "../controller/api/live-fakes.ts";
import { type E2e, screenshot, signInUi, startE2e } from "./e2e-harness.ts";

let e: E2e;
let directory: MonitorStationDirectory | undefined;

test.before(async () => {
  const calls = new FakeCalls();
  const monitors = new FakeMonitors(calls);
  e = await startE2e({
    domain: true,
    extra: ({ ds }) => {
      directory = new MonitorStationDirectory(ds!, "yardline", new VirtualClock());
      return { live: { calls, events: calls.bus, monitors, stations: { directory, registered: () => false } } };
    },
  });
  await directory!.reload();
});
test.after.always(async () => {
  await e?.close();
});

test.serial(
  "an administrator sets up a monitoring station, sees its password once, resets it and disables it",
  async (t) => {
    const page = await e.browser.newPage();
    await signInUi(page, e.url, adminName, adminPassword);
    await page.goto(`${e.url}#/monitor-stations`);
    const form = page.getByRole("form", { name: "New monitoring station" });
    await form.getByRole("textbox", { name: "Name" }).fill("Control Room");
    await form.getByRole("button", { name: "Create" }).click();
    const shown = page.getByTestId("station-credential");
    await shown.waitFor();
    const first = (await page.getByTestId("station-password").textContent()) ?? "";
    t.true(first.length >= 24);
    t.regex((await shown.textContent()) ?? "", /monitor-control-room/);
    const a1 = `monitor-control-room:yardline:${first}`;
      t.is(
      directory!.credential("monitor-control-room", "yardline")?.ha1.MD5,
      createHash("md5").update(a1).digest("hex"),
    );
    const row = page.getByTestId("monitor-stations").getByRole("row", { name: /Control Room/ });
    await row.waitFor();
    t.regex((await row.textContent()) ?? "", /not registered/);
    await screenshot(page, "monitor-stations");
    await shown.getByRole("button", { name: "Done" }).click();
    await shown.waitFor({ state: "detached" });
    t.notRegex((await page.textContent("body")) ?? "", new RegExp(first));

    page.once("dialog", (d) => void d.accept());
    await row.getByRole("button", { name: "Reset password Control Room" }).click();
    await shown.waitFor();
    const second = (await page.getByTestId("station-password").textContent()) ?? "";
    t.not(second, first);
    t.is(
      directory!.credential("monitor-control-room", "yardline")?.ha1.MD5,
      createHash("md5").update(`monitor-control-room:yardline:${second}`).digest("hex"),
    );

    await row.getByRole("button", { name: "Disable Control Room" }).click();
    await row.getByText("Disabled").waitFor();
    t.is(directory!.credential("monitor-control-room", "yardline"), undefined);
    t.false(directory!.list()[0]!.enabled);
    await page.close();
  },
);
