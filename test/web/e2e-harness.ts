/**
 * The controller's API and UI on a real socket (127.0.0.1, a free port), the UI freshly built
 * by vite, and a headless Chromium pointed at it.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { type Access, createAccess } from "../../controller/access/access.ts";
import type { AccessTables } from "../../controller/access/tables.ts";
import type { AppDeps } from "../../controller/api/app.ts";
import { listen, type RunningServer } from "../../controller/api/server.ts";
import { openStore, type Store } from "../../controller/store/database.ts";
import { type DomainStore, openDomainStore } from "../../controller/store/domain-store.ts";
import { SystemClock } from "../../telephony/clock.ts";
import { buildWeb } from "../../web/build.ts";
import { seedDomain, testHasher } from "../controller/api/app-harness.ts";
import { launchBrowser, type TestBrowser } from "../support/browser.ts";

export const adminName = "central";
export const adminPassword = "correct horse battery";
export const screenshotDir = path.join(import.meta.dirname, "..", "..", "docs", "screenshots");

export interface E2e {
  ds: DomainStore | undefined;
  server: RunningServer;
  access: Access;
  store: Store<AccessTables>;
  browser: TestBrowser;
  url: string;
  close(): Promise<void>;
}

export interface E2eOptions {
  /** Seed the demo agency plus a second facility and serve the domain routes. */
  domain?: boolean;
  extra?: (ctx: { ds: DomainStore | undefined }) => Partial<AppDeps>;
}

export async function startE2e(opts: E2eOptions = {}): Promise<E2e> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "yl-e2e-"));
  const webRoot = await buildWeb(path.join(dir, "web"));
  const file = path.join(dir, "db.sqlite");
  const store = await openStore<AccessTables>({ kind: "sqlite", file });
  const clock = new SystemClock();
  const access = createAccess(store.db, clock, testHasher);
  await access.bootstrap({ username: adminName, password: adminPassword, mustChange: false });
  // The domain on its own connection, as the controller runs it: a long import's write
  // transaction must not hold up sign-on checks (SQLite WAL lets the reads through).
  let ds: DomainStore | undefined;
  if (opts.domain) {
    ds = await openDomainStore({ kind: "sqlite", file });
    await seedDomain(ds, clock.now());
  }
  const server = await listen(
    { clock, access, webRoot, ...(ds ? { domain: ds } : {}), ...(opts.extra?.({ ds }) ?? {}) },
    { host: "127.0.0.1", port: 0 },
  );
  let browser: TestBrowser;
  try {
    browser = await launchBrowser();
  } catch (err) {
    await server.close();
    await ds?.close();
    await store.close();
    throw err;
  }
  return {
    ds,
    server,
    access,
    store,
    browser,
    url: server.url,
    async close() {
      await browser.close();
      await server.close();
      await ds?.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Signs in through the sign-on form. */
export async function signInUi(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("signed-in-as").waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
}

/** A user of the named access level, created through the access module as the Central Office would. */
export async function createUser(
  e: E2e,
  u: { username: string; displayName: string; level: string; facilityIds: string[]; password: string },
): Promise<void> {
  const level = (await e.access.levels.list()).find((l) => l.name === u.level)!;
  const everyone = await e.access.users.list({
    userId: "",
    username: adminName,
    displayName: "",
    kind: "state",
    levelId: "",
    levelName: "",
    rank: 1,
    permissions: new Set(),
    facilities: { all: true },
    language: "en",
    mustChangePassword: false,
  });
  const central = everyone.find((x) => x.username === adminName)!;
  const actor = await e.access.sessions.principalFor((await e.access.users.row(central.id))!);
  await e.access.users.create(actor!, {
    username: u.username,
    displayName: u.displayName,
    levelId: level.id,
    kind: "state",
    facilityIds: u.facilityIds,
    password: u.password,
  });
}
