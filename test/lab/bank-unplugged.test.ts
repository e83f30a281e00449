/**
 * A phone bank unplugged in the lab (its firmware process killed) raises a "phone bank offline"
 * alert at once; plugged back in, the alert is resolved with a "recovered" notice.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import type { AlertNotice } from "../../controller/alerts/alert-service.ts";
import { freeLabPorts, startLab, waitFor } from "../../lab/lab.ts";

test("unplugging the phone bank raises an offline alert; plugging it back resolves it", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "yl-unplug-"));
  const host = "127.0.0.1";
  const lab = await startLab({
    dataDir: dir,
    host,
    ...(await freeLabPorts(host)),
    adminPassword: "test-admin-password",
    // Two lab tests run at once: neither builds the UI (both would empty and refill web/dist).
    serveUi: false,
    log: () => {},
  });
  t.teardown(async () => {
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const notices: AlertNotice[] = [];
  t.teardown(lab.controller.alerts.subscribe((n) => notices.push(n)));
  const about = (kind: AlertNotice["kind"], type: string) =>
    notices.find((n) => n.kind === kind && "alert" in n && n.alert.type === type);

  await lab.unplugFirmware();
  await waitFor(() => about("raised", "bank-offline") !== undefined, 15_000, "the offline alert");
  const offline = about("raised", "bank-offline") as Extract<AlertNotice, { kind: "raised" }>;
  t.regex(offline.alert.text, /demo-bank-a/);
  t.is(offline.alert.state, "open");

  await lab.restartFirmware();
  await waitFor(() => about("resolved", "bank-offline") !== undefined, 15_000, "the offline alert to resolve");
  const stored = await lab.controller.alerts.getAlert(offline.alert.id);
  t.is(stored?.state, "resolved");
});
