/**
 * `npm run demo`: starts the lab on free ports in a fresh data directory, places one call end
 * to end through the real firmware on the simulated bank (lift, English, PIN, first-use name,
 * number), lets the simulated called party accept, talks for a few seconds, hangs up, and
 * prints the call record.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEMO_NUMBERS, openDemoFacilityAllDay } from "../controller/domain/seed.ts";
import { freeLabPorts, type Lab, sim, startLab, waitFor } from "./lab.ts";

const host = "127.0.0.1";
const dataDir = mkdtempSync(path.join(os.tmpdir(), "yardline-demo-"));
const quiet = process.argv.includes("--quiet");
const lab: Lab = await startLab({
  dataDir,
  host,
  ...(await freeLabPorts(host)),
  adminPassword: "yardline-demo-admin",
  log: quiet ? () => {} : (m) => console.log(`  ${m}`),
});

try {
  // The seeded calling hours are 06:00–23:00 facility time; the demo runs at any hour.
  await openDemoFacilityAllDay(lab.controller.ds);
  // The hours are pushed to the phone bank as well (outside them its units are off): wait for it.
  await lab.settled();
  const svc = lab.controller.calls;
  const say = (m: string) => console.log(`demo: ${m}`);
  say("lifting handset h1 (demo-bank-a, set 1)");
  await sim(lab.simUrl, "/handsets/h1/lift", {});
  await waitFor(
    () => svc.calls.live().some((c) => svc.calls.session(c.callId)?.handset.getInfo().state === "CONFIRMED"),
    10_000,
    "the controller to answer the handset",
  );
  const callId = svc.calls.live()[0]!.callId;
  const session = () => svc.calls.session(callId);
  say("pressing 1 (English) and PIN 1111 #");
  await sim(lab.simUrl, "/handsets/h1/keys", { digits: "11111#" });
  await waitFor(() => session()?.state === "numbering", 30_000, "the number prompt (after the first-use name)");
  say(`dialling ${DEMO_NUMBERS.family}`);
  await sim(lab.simUrl, "/handsets/h1/keys", { digits: `${DEMO_NUMBERS.family.slice(2)}#` });
  await waitFor(() => session()?.state === "connected", 120_000, "the called party to accept");
  say("connected; talking for 5 s");
  await new Promise((r) => setTimeout(r, 5000));
  say("hanging up");
  await sim(lab.simUrl, "/handsets/h1/hang-up", {});
  await waitFor(() => session() === undefined, 15_000, "the call record to close");
  const record = await lab.controller.ds.db
    .selectFrom("callRecords")
    .selectAll()
    .where("id", "=", callId)
    .executeTakeFirstOrThrow();
  console.log("\nCall record:");
  for (const [k, v] of Object.entries(record)) if (v !== null && v !== "") console.log(`  ${k.padEnd(20)} ${v}`);
} finally {
  await lab.stop();
}
