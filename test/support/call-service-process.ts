/**
 * A controller call path in its own process, so a test can kill it with SIGKILL mid-call.
 * argv: <dataDir> <trunkPort> <promptsDir>; prints "READY <sipPort>" when it takes calls.
 */
import path from "node:path";
import { startCallService } from "../../controller/call-service.ts";
import { openDemoFacilityAllDay, seedDemoAgency } from "../../controller/domain/seed.ts";
import { openDomainStore } from "../../controller/store/domain-store.ts";
import { sine, writeWav } from "./audio.ts";

const [dataDir, trunkPort, promptsDir] = process.argv.slice(2) as [string, string, string];
const ds = await openDomainStore({ kind: "sqlite", file: path.join(dataDir, "yardline.db") });
await seedDemoAgency(ds, Date.now());
await openDemoFacilityAllDay(ds);
// Recorded names in place, so a test can type ahead without waiting out the first-use step.
const name = path.join(dataDir, "name.wav");
writeWav(name, sine([300], 800, { levelDbm0: -16 }));
await ds.db.updateTable("inmates").set({ recordedName: name }).execute();
const svc = await startCallService({
  ds,
  dataDir,
  sip: { host: "127.0.0.1", port: 0 },
  trunk: { host: "127.0.0.1", port: Number(trunkPort) },
  sipSecret: "test-secret",
  promptsDir,
  flow: { responseTimeoutSec: 4 },
});
process.stdout.write(`READY ${svc.sipPort}\n`);
