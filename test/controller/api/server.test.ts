import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { createAccess } from "../../../controller/access/access.ts";
import type { AccessTables } from "../../../controller/access/tables.ts";
import { listen } from "../../../controller/api/server.ts";
import { openStore } from "../../../controller/store/database.ts";
import { SystemClock } from "../../../telephony/clock.ts";
import { adminName, adminPassword, testHasher } from "./app-harness.ts";

test("over TLS the API answers and the session cookie is Secure", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "yl-tls-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      path.join(dir, "key.pem"),
      "-out",
      path.join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  const store = await openStore<AccessTables>({ kind: "sqlite", file: path.join(dir, "db.sqlite") });
  const clock = new SystemClock();
  const access = createAccess(store.db, clock, testHasher);
  await access.bootstrap({ username: adminName, password: adminPassword, mustChange: false });
  const cert = readFileSync(path.join(dir, "cert.pem"));
  const server = await listen(
    { clock, access, secureCookies: true, https: { cert, key: readFileSync(path.join(dir, "key.pem")) } },
    { host: "127.0.0.1", port: 0 },
    () => store.close(),
  );
  t.teardown(() => server.close());
  t.true(server.url.startsWith("https://"));
  const res = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
    const req = https.request(
      `${server.url}/api/session`,
      { method: "POST", ca: cert, headers: { "content-type": "application/json" } },
      (r) => {
        r.resume();
        resolve({ status: r.statusCode ?? 0, cookie: String(r.headers["set-cookie"] ?? "") });
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify({ username: adminName, password: adminPassword }));
  });
  t.is(res.status, 200);
  t.regex(res.cookie, /; Secure/);
  t.regex(res.cookie, /HttpOnly/);
  t.regex(res.cookie, /SameSite=Strict/);
});
