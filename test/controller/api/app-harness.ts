/**
 * A controller API over a fresh SQLite store in a temp dir, with the access module
 * bootstrapped, for API tests through `inject()`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import type { Kysely } from "kysely";
import { type Access, createAccess } from "../../../controller/access/access.ts";
import { argon2idHasher } from "../../../controller/access/passwords.ts";
import type { AccessTables } from "../../../controller/access/tables.ts";
import { type AppDeps, buildApp } from "../../../controller/api/app.ts";
import { createFacility, createHousingUnit } from "../../../controller/domain/facilities.ts";
import { bookInmate } from "../../../controller/domain/inmates.ts";
import { seedDemoAgency } from "../../../controller/domain/seed.ts";
import { openStore, type Store } from "../../../controller/store/database.ts";
import { type DomainStore, domainStoreOf } from "../../../controller/store/domain-store.ts";
import { VirtualClock } from "../../../telephony/clock.ts";

export const adminName = "central";
export const adminPassword = "correct horse battery";

/** Argon2id at a tiny cost: tests check behaviour, not hash strength. */
export const testHasher = argon2idHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

export interface Harness {
  app: FastifyInstance;
  access: Access;
  clock: VirtualClock;
  store: Store<AccessTables>;
  db: Kysely<AccessTables>;
  dir: string;
  close(): Promise<void>;
}

export async function startHarness(extra: Partial<AppDeps> = {}): Promise<Harness> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "yl-api-"));
  const store = await openStore<AccessTables>({ kind: "sqlite", file: path.join(dir, "db.sqlite") });
  const clock = new VirtualClock();
  const access = createAccess(store.db, clock, testHasher);
  await access.bootstrap({ username: adminName, password: adminPassword, mustChange: false });
  const app = await buildApp({ clock, access, ...extra });
  return {
    app,
    access,
    clock,
    store,
    db: store.db,
    dir,
    async close() {
      try {
        await app.close();
        await store.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface Client {
  cookie: string;
  csrf: string;
  request(opts: InjectOptions): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  put(url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  patch(url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  del(url: string): Promise<LightMyRequestResponse>;
}

export async function signIn(app: FastifyInstance, username: string, password: string): Promise<Client> {
  const res = await app.inject({ method: "POST", url: "/api/session", payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in as ${username} failed: ${res.statusCode} ${res.body}`);
  const setCookie = res.cookies.find((c) => c.name === "yl_session");
  if (!setCookie) throw new Error("no session cookie");
  const cookie = `yl_session=${setCookie.value}`;
  const csrf = (res.json() as { csrfToken: string }).csrfToken;
  const request = (opts: InjectOptions) =>
    app.inject({ ...opts, headers: { cookie, "x-csrf-token": csrf, ...(opts.headers ?? {}) } });
  return {
    cookie,
    csrf,
    request,
    get: (url) => request({ method: "GET", url }),
    post: (url, payload) =>
      request({ method: "POST", url, ...(payload === undefined ? {} : { payload: payload as object }) }),
    put: (url, payload) => request({ method: "PUT", url, payload: payload as object }),
    patch: (url, payload) => request({ method: "PATCH", url, payload: payload as object }),
    del: (url) => request({ method: "DELETE", url }),
  };
}

/** Looks a default level up by name. */
export async function levelId(access: Access, name: string): Promise<string> {
  const level = (await access.levels.list()).find((l) => l.name === name);
  if (!level) throw new Error(`no level ${name}`);
  return level.id;
}

/** Creates a user through the API as `by` and signs them on after they change their password. */
export async function makeUser(
  h: Harness,
  by: Client,
  input: { username: string; level: string; facilityIds: string[]; kind?: "state" | "contractor" },
): Promise<Client> {
  const initial = "initial-pass-1";
  const res = await by.post("/api/users", {
    username: input.username,
    displayName: input.username,
    levelId: await levelId(h.access, input.level),
    kind: input.kind ?? "state",
    facilityIds: input.facilityIds,
    password: initial,
  });
  if (res.statusCode !== 200) throw new Error(`create ${input.username}: ${res.statusCode} ${res.body}`);
  const first = await signIn(h.app, input.username, initial);
  const changed = await first.post("/api/session/password", {
    currentPassword: initial,
    newPassword: `${input.username}-secret-9`,
  });
  if (changed.statusCode !== 200) throw new Error(`password change: ${changed.body}`);
  return signIn(h.app, input.username, `${input.username}-secret-9`);
}

export const facilityA = "demo-facility";
export const facilityB = "north-facility";
export const inmateB = "N-2001";

/**
 * A harness with the domain: the demo agency (facility A with its inmates, COS, lists, rates)
 * and a second facility B with one inmate, so cross-facility requests can be tried.
 */
export async function startDomainHarness(
  extra: (ds: DomainStore, dir: string) => Partial<AppDeps> = () => ({}),
): Promise<Harness & { ds: DomainStore }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "yl-api-"));
  const store = await openStore<AccessTables>({ kind: "sqlite", file: path.join(dir, "db.sqlite") });
  const clock = new VirtualClock(Date.UTC(2026, 2, 4, 18, 0, 0));
  const ds = await domainStoreOf(store as unknown as Store<unknown>);
  await seedDomain(ds, clock.now());
  const access = createAccess(store.db, clock, testHasher);
  await access.bootstrap({ username: adminName, password: adminPassword, mustChange: false });
  const app = await buildApp({ clock, access, domain: ds, ...extra(ds, dir) });
  return {
    app,
    access,
    clock,
    store,
    db: store.db,
    dir,
    ds,
    async close() {
      try {
        await app.close();
        await store.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export async function seedDomain(ds: DomainStore, now: number): Promise<void> {
  await seedDemoAgency(ds, now);
  await createFacility(
    ds,
    {
      id: facilityB,
      name: "North State Prison",
      timeZone: "America/Los_Angeles",
      facilityType: "prison",
      averageDailyPopulation: 2000,
      state: "CA",
      npa: "916",
      nxx: "200",
      lata: "726",
      rateCenter: "SACRAMENTO",
    },
    now,
  );
  const scope = new Set([facilityB]);
  await createHousingUnit(ds, scope, { id: "north-unit-1", facilityId: facilityB, name: "North 1" });
  await bookInmate(
    ds,
    scope,
    {
      id: inmateB,
      facilityId: facilityB,
      housingUnitId: "north-unit-1",
      firstName: "Nora",
      lastName: "North",
      pin: "7777",
    },
    now,
  );
}
