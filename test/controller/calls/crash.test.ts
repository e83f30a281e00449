/**
 * A controller that dies mid-call (SIGKILL, no chance to clean up) leaves a call record that the
 * next start closes with an ending that says so, and a recording that stays playable and is
 * sealed as interrupted.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import SQLite from "better-sqlite3";
import { bankPassword, startCallService } from "../../../controller/call-service.ts";
import { DEMO_NUMBERS } from "../../../controller/domain/seed.ts";
import { readSeal, sealPath, verifyRecording } from "../../../controller/recordings/integrity.ts";
import { publicKeyFromPem } from "../../../controller/recordings/signing-key.ts";
import { INTERRUPTED_ENDING } from "../../../controller/store/call-records.ts";
import { openDomainStore } from "../../../controller/store/domain-store.ts";
import type { Call } from "../../../telephony/api.ts";
import { createEndpoint } from "../../../telephony/ua/endpoint.ts";
import { readWav } from "../../support/audio.ts";
import { PROMPTS_CACHE, delay, waitState } from "./harness.ts";

const ROOT = path.join(import.meta.dirname, "..", "..", "..");

test("a controller killed mid-call: the record is closed as interrupted at the next start and the recording stays playable", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "yl-crash-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const trunkEp = createEndpoint({ userAgent: "test trunk" });
  t.teardown(() => trunkEp.libDestroy());
  const { port: trunkPort } = await trunkEp.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  const trunk = trunkEp.accountCreate({ idUri: "sip:trunk@127.0.0.1" });
  let trunkCall: Call | undefined;
  trunk.on("incomingCall", (c) => {
    trunkCall = c;
    void c.answer();
  });

  const child = spawn(
    process.execPath,
    // `--import tsx` rather than the tsx CLI: the CLI runs the script in a grandchild, which a
    // SIGKILL to the CLI would leave running (still writing the recording).
    ["--import", "tsx", path.join(ROOT, "test/support/call-service-process.ts"), dir, String(trunkPort), PROMPTS_CACHE],
    { stdio: ["ignore", "pipe", "pipe"], cwd: ROOT },
  );
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, "SIGKILL");
    child.stdout.destroy();
    child.stderr.destroy();
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const sipPort = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/READY (\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`controller exited ${code}: ${stderr}`)));
  });

  const handsetEp = createEndpoint({ userAgent: "test handset" });
  t.teardown(() => handsetEp.libDestroy());
  await handsetEp.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  const acc = handsetEp.accountCreate({
    idUri: "sip:demo-st-4@127.0.0.1",
    registrarUri: `sip:127.0.0.1:${sipPort}`,
    credentials: [{ realm: "*", username: "demo-st-4", password: bankPassword("test-secret", "demo-bank-a") }],
  });
  t.true((await acc.register()).registered);
  const handset = acc.makeCall(`sip:controller@127.0.0.1:${sipPort}`);
  await waitState(handset, "CONFIRMED");
  await handset.dialDtmf(`1${"1111"}#${DEMO_NUMBERS.family.slice(2)}#`);

  // Watch the store from outside, as an investigator would; press 1 until the call is accepted
  // (digits during the announcement are discarded by design).
  const db = new SQLite(path.join(dir, "yardline.db"), { readonly: true });
  t.teardown(() => db.close());
  const row = () =>
    db
      .prepare("select id, status, accepted_at, recording_file from call_records order by started_at desc limit 1")
      .get() as { id: string; status: string; accepted_at: number | null; recording_file: string | null } | undefined;
  const deadline = Date.now() + 120_000;
  while (!row()?.accepted_at && Date.now() < deadline) {
    if (trunkCall?.getInfo().state === "CONFIRMED") await trunkCall.dialDtmf("1").catch(() => {});
    await delay(2000);
  }
  const before = row();
  t.truthy(before?.accepted_at, "the call was accepted before the crash");
  t.is(before?.status, "in-progress");
  await delay(2000);

  process.kill(child.pid!, "SIGKILL");
  await new Promise((r) => child.once("exit", r));

  // The next start recovers.
  const ds = await openDomainStore({ kind: "sqlite", file: path.join(dir, "yardline.db") });
  t.teardown(() => ds.close());
  const svc = await startCallService({
    ds,
    dataDir: dir,
    sip: { host: "127.0.0.1", port: 0 },
    trunk: { host: "127.0.0.1", port: trunkPort },
    sipSecret: "test-secret",
    promptsDir: PROMPTS_CACHE,
  });
  t.teardown(() => svc.stop());
  t.deepEqual(svc.recovered.records, [before!.id]);
  t.deepEqual(svc.recovered.recordings, [before!.id]);
  const r = await ds.db.selectFrom("callRecords").selectAll().where("id", "=", before!.id).executeTakeFirstOrThrow();
  t.is(r.status, "completed");
  t.is(r.ending, INTERRUPTED_ENDING);
  t.is(r.chargeCents, 0);
  // The recording: readable, holds the call so far, sealed as interrupted and verifiable.
  const file = r.recordingFile!;
  const wav = readWav(file);
  t.is(wav.channels, 2);
  t.true(wav.channel(0).length / 8000 > 5, "seconds of audio kept");
  const seal = await readSeal(sealPath(file));
  t.is(seal.status, "interrupted");
  const verdict = await verifyRecording(file, seal, publicKeyFromPem(svc.publicKeyPem));
  t.true(verdict.valid, verdict.problems.join(", "));
});
