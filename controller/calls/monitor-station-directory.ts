/**
 * The monitoring stations an administrator has set up: an officer's SIP phone or softphone,
 * named, serving one or more facilities, enabled or not, registered with the controller's
 * registrar under its own account (`monitor-…`) and its own password. Officers pick a station
 * from this list to monitor a call; nothing else can be called with a call's audio.
 *
 * The password is random, shown once (at creation and at each reset) and never stored: only
 * its H(A1) digests for MD5 and SHA-256 (RFC 7616 §3.4.2) are kept, which is what the
 * registrar needs. Disabling a station or resetting its credential revokes it at once: the
 * registrar refuses its old password, and its bindings made before are no longer called
 * (see `revokedBindings`).
 *
 * The stations are held in memory (a handful per facility) so the registrar, which looks a user
 * up synchronously, can check them; every change goes through here and is written first.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../../telephony/clock.ts";
import type { DomainStore } from "../store/domain-store.ts";

/** Station accounts are named `monitor-…` (lower case, digits, dashes). */
export const MONITOR_STATION_ACCOUNT = /^monitor-[a-z0-9][a-z0-9-]{0,39}$/;

export interface MonitorStation {
  id: string;
  name: string;
  /** The SIP user name the station registers with. */
  account: string;
  facilityIds: string[];
  enabled: boolean;
  credentialSetAt: number;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

interface Stored extends MonitorStation {
  ha1: { MD5: string; "SHA-256": string };
  realm: string;
}

type Tables = {
  monitorStations: {
    id: string;
    name: string;
    account: string;
    enabled: number;
    ha1Md5: string;
    ha1Sha256: string;
    realm: string;
    credentialSetAt: number;
    createdAt: number;
    createdBy: string;
    updatedAt: number;
    updatedBy: string;
  };
  monitorStationFacilities: { stationId: string; facilityId: string };
};

export type DirectoryRefusal = "duplicate-account" | "bad-account" | "no-station";

export class DirectoryError extends Error {
  override readonly name = "DirectoryError";
  readonly kind: DirectoryRefusal;
  constructor(kind: DirectoryRefusal, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** A new station, or a station's changes. */
export interface StationInput {
  name: string;
  facilityIds: string[];
  /** The SIP user name; from the name when not given (`Control Room` → `monitor-control-room`). */
  account?: string;
}

export function accountFromName(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize("NFD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return `monitor-${slug || "station"}`;
}

/** H(A1) = H(username ":" realm ":" password), RFC 7616 §3.4.2. */
export function ha1Of(account: string, realm: string, password: string): Stored["ha1"] {
  const a1 = `${account}:${realm}:${password}`;
  return {
    MD5: createHash("md5").update(a1).digest("hex"),
    "SHA-256": createHash("sha256").update(a1).digest("hex"),
  };
}

/** 18 random bytes: 24 characters a technician can type into a phone's settings. */
function newPassword(): string {
  return randomBytes(18).toString("base64url");
}

export class MonitorStationDirectory {
  private readonly db: Kysely<Tables>;
  /** The registrar realm the stored digests are made for. */
  readonly realm: string;
  private readonly clock: Clock;
  private readonly byId = new Map<string, Stored>();
  private readonly listeners = new Set<(station: MonitorStation, why: "disabled" | "credential") => void>();

  /** Empty until `reload()`; `open()` does both. */
  constructor(ds: DomainStore, realm: string, clock: Clock) {
    this.db = ds.db.withTables<Tables>() as unknown as Kysely<Tables>;
    this.realm = realm;
    this.clock = clock;
  }

  /** Loads the stations; `realm` is the registrar's, which the stored digests are bound to. */
  static async open(ds: DomainStore, realm: string, clock: Clock): Promise<MonitorStationDirectory> {
    const d = new MonitorStationDirectory(ds, realm, clock);
    await d.reload();
    return d;
  }

  async reload(): Promise<void> {
    const rows = await this.db.selectFrom("monitorStations").selectAll().execute();
    const links = await this.db.selectFrom("monitorStationFacilities").selectAll().execute();
    this.byId.clear();
    for (const r of rows) {
      this.byId.set(r.id, {
        id: r.id,
        name: r.name,
        account: r.account,
        facilityIds: links
          .filter((l) => l.stationId === r.id)
          .map((l) => l.facilityId)
          .sort(),
        enabled: Number(r.enabled) === 1,
        credentialSetAt: Number(r.credentialSetAt),
        createdAt: Number(r.createdAt),
        createdBy: r.createdBy,
        updatedAt: Number(r.updatedAt),
        updatedBy: r.updatedBy,
        ha1: { MD5: r.ha1Md5, "SHA-256": r.ha1Sha256 },
        realm: r.realm,
      });
    }
  }

  /** Stations serving at least one facility of `scope` (every station without one). */
  list(scope?: ReadonlySet<string>): MonitorStation[] {
    return [...this.byId.values()]
      .filter((s) => !scope || s.facilityIds.some((f) => scope.has(f)))
      .map(publicView)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  get(id: string): MonitorStation | undefined {
    const s = this.byId.get(id);
    return s ? publicView(s) : undefined;
  }

  /**
   * What the registrar checks a `monitor-…` REGISTER against: the stored digests of an enabled
   * station (for the realm they were made for), or nothing (refused).
   */
  credential(account: string, realm: string): { ha1: { MD5: string; "SHA-256": string } } | undefined {
    for (const s of this.byId.values()) {
      if (s.account === account && s.enabled && s.realm === realm) return { ha1: { ...s.ha1 } };
    }
    return undefined;
  }

  /** Told when a station is disabled or its credential reset, so what it had can be taken away. */
  onRevoked(fn: (station: MonitorStation, why: "disabled" | "credential") => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async create(input: StationInput, by: string): Promise<{ station: MonitorStation; password: string }> {
    const account = input.account ?? accountFromName(input.name);
    if (!MONITOR_STATION_ACCOUNT.test(account)) {
      throw new DirectoryError("bad-account", `a station account is monitor-<lower case letters, digits, dashes>`);
    }
    if ([...this.byId.values()].some((s) => s.account === account)) {
      throw new DirectoryError("duplicate-account", `there is already a station with the account ${account}`);
    }
    const now = this.clock.now();
    const password = newPassword();
    const ha1 = ha1Of(account, this.realm, password);
    const id = randomUUID();
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto("monitorStations")
        .values({
          id,
          name: input.name,
          account,
          enabled: 1,
          ha1Md5: ha1.MD5,
          ha1Sha256: ha1["SHA-256"],
          realm: this.realm,
          credentialSetAt: now,
          createdAt: now,
          createdBy: by,
          updatedAt: now,
          updatedBy: by,
        })
        .execute();
      await tx
        .insertInto("monitorStationFacilities")
        .values(unique(input.facilityIds).map((facilityId) => ({ stationId: id, facilityId })))
        .execute();
    });
    await this.reload();
    return { station: this.mustGet(id), password };
  }

  /** Renames, re-assigns or switches a station on or off; returns it before and after. */
  async update(
    id: string,
    change: { name?: string; facilityIds?: string[]; enabled?: boolean },
    by: string,
  ): Promise<{ before: MonitorStation; after: MonitorStation }> {
    const before = this.mustGet(id);
    const now = this.clock.now();
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable("monitorStations")
        .set({
          ...(change.name !== undefined ? { name: change.name } : {}),
          ...(change.enabled !== undefined ? { enabled: change.enabled ? 1 : 0 } : {}),
          updatedAt: now,
          updatedBy: by,
        })
        .where("id", "=", id)
        .execute();
      if (change.facilityIds) {
        await tx.deleteFrom("monitorStationFacilities").where("stationId", "=", id).execute();
        await tx
          .insertInto("monitorStationFacilities")
          .values(unique(change.facilityIds).map((facilityId) => ({ stationId: id, facilityId })))
          .execute();
      }
    });
    await this.reload();
    const after = this.mustGet(id);
    if (before.enabled && !after.enabled) this.revoked(after, "disabled");
    return { before, after };
  }

  /** A new password (returned once); the old one stops working at once. */
  async resetCredential(id: string, by: string): Promise<{ station: MonitorStation; password: string }> {
    const st = this.mustGet(id);
    const now = this.clock.now();
    const password = newPassword();
    const ha1 = ha1Of(st.account, this.realm, password);
    await this.db
      .updateTable("monitorStations")
      .set({
        ha1Md5: ha1.MD5,
        ha1Sha256: ha1["SHA-256"],
        realm: this.realm,
        credentialSetAt: now,
        updatedAt: now,
        updatedBy: by,
      })
      .where("id", "=", id)
      .execute();
    await this.reload();
    const station = this.mustGet(id);
    this.revoked(station, "credential");
    return { station, password };
  }

  private mustGet(id: string): MonitorStation {
    const s = this.get(id);
    if (!s) throw new DirectoryError("no-station", "no such monitoring station");
    return s;
  }

  private revoked(station: MonitorStation, why: "disabled" | "credential"): void {
    for (const fn of this.listeners) {
      try {
        fn(station, why);
      } catch {
        // one listener's failure must not keep the change from the others
      }
    }
  }
}

function publicView(s: Stored): MonitorStation {
  return {
    id: s.id,
    name: s.name,
    account: s.account,
    facilityIds: [...s.facilityIds],
    enabled: s.enabled,
    credentialSetAt: s.credentialSetAt,
    createdAt: s.createdAt,
    createdBy: s.createdBy,
    updatedAt: s.updatedAt,
    updatedBy: s.updatedBy,
  };
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}
