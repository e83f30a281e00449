/**
 * The alert configuration as a TypeBox schema (what the admin API accepts), the checks a schema
 * cannot express (references between recipients, rotations and routes; time zones; handover
 * times), and its storage (migration 0201-alert-config): one current document, with who saved it.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { Kysely } from "kysely";
import { DateTime } from "luxon";
import type { Store } from "../store/database.ts";
import type { AlertConfig } from "./config.ts";
import { alertTypes } from "./events.ts";

const IdString = Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.:-]+$" });
const Millis = Type.Integer({ minimum: 1000, maximum: 7 * 24 * 3_600_000 });

const Contact = Type.Object(
  {
    channel: Type.Union([
      Type.Literal("email"),
      Type.Literal("snpp"),
      Type.Literal("wctp"),
      Type.Literal("email-pager"),
    ]),
    address: Type.String({ minLength: 1, maxLength: 254 }),
  },
  { additionalProperties: false },
);

const TypeOrCategory = Type.Union([
  ...alertTypes.map((t) => Type.Literal(t)),
  Type.Literal("hot-number"),
  Type.Literal("malfunction"),
  Type.Literal("fraud"),
  Type.Literal("kill-switch"),
  Type.Literal("threshold"),
]);

export const AlertConfigSchema = Type.Object(
  {
    recipients: Type.Array(
      Type.Object(
        { id: IdString, name: Type.String({ minLength: 1, maxLength: 200 }), contacts: Type.Array(Contact) },
        { additionalProperties: false },
      ),
    ),
    rotations: Type.Array(
      Type.Object(
        {
          id: IdString,
          timeZone: Type.String({ minLength: 1, maxLength: 64 }),
          shift: Type.Union([Type.Literal("daily"), Type.Literal("weekly")]),
          handover: Type.String({ pattern: "^([01]?\\d|2[0-3]):[0-5]\\d$" }),
          startDate: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" }),
          members: Type.Array(IdString),
        },
        { additionalProperties: false },
      ),
    ),
    routes: Type.Array(
      Type.Object(
        {
          facilities: Type.Optional(Type.Array(IdString)),
          types: Type.Optional(Type.Array(TypeOrCategory)),
          minSeverity: Type.Optional(
            Type.Union([Type.Literal("critical"), Type.Literal("major"), Type.Literal("minor"), Type.Literal("info")]),
          ),
          steps: Type.Array(
            Type.Object(
              {
                targets: Type.Array(
                  Type.Union([
                    Type.Object({ recipient: IdString }, { additionalProperties: false }),
                    Type.Object({ rotation: IdString }, { additionalProperties: false }),
                  ]),
                  { minItems: 1 },
                ),
                ackTimeoutMs: Millis,
              },
              { additionalProperties: false },
            ),
            { minItems: 1 },
          ),
        },
        { additionalProperties: false },
      ),
    ),
    groupWindowMs: Type.Integer({ minimum: 0, maximum: 24 * 3_600_000 }),
    thresholds: Type.Array(
      Type.Object(
        {
          id: IdString,
          metric: Type.String({ minLength: 1, maxLength: 64 }),
          facilityId: Type.Optional(IdString),
          limit: Type.Integer({ minimum: 1 }),
          windowMs: Millis,
        },
        { additionalProperties: false },
      ),
    ),
    retry: Type.Object(
      { baseMs: Millis, maxMs: Millis, giveUpAfterMs: Type.Integer({ minimum: 60_000, maximum: 7 * 24 * 3_600_000 }) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type AlertConfigDocument = Static<typeof AlertConfigSchema>;

// The schema and the service's type must stay the same shape.
const _sameShape: (c: AlertConfigDocument) => AlertConfig = (c) => c;
void _sameShape;

export interface ConfigProblem {
  path: string;
  message: string;
}

/** Everything wrong with a configuration; empty when it can be used. */
export function checkAlertConfig(value: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const e of Value.Errors(AlertConfigSchema, value)) {
    problems.push({ path: e.path || "/", message: e.message });
    if (problems.length >= 20) return problems;
  }
  if (problems.length > 0) return problems;
  const c = value as AlertConfigDocument;

  const dup = (ids: string[], path: string) => {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) problems.push({ path, message: `duplicate id "${id}"` });
      seen.add(id);
    }
  };
  dup(
    c.recipients.map((r) => r.id),
    "/recipients",
  );
  dup(
    c.rotations.map((r) => r.id),
    "/rotations",
  );
  dup(
    c.thresholds.map((r) => r.id),
    "/thresholds",
  );
  const people = new Set(c.recipients.map((r) => r.id));
  const rotations = new Set(c.rotations.map((r) => r.id));

  c.rotations.forEach((r, i) => {
    if (!DateTime.local().setZone(r.timeZone).isValid) {
      problems.push({ path: `/rotations/${i}/timeZone`, message: `unknown time zone "${r.timeZone}"` });
    }
    if (!DateTime.fromISO(r.startDate, { zone: "UTC" }).isValid) {
      problems.push({ path: `/rotations/${i}/startDate`, message: `not a date: "${r.startDate}"` });
    }
    r.members.forEach((m, j) => {
      if (!people.has(m)) problems.push({ path: `/rotations/${i}/members/${j}`, message: `no recipient "${m}"` });
    });
  });
  c.routes.forEach((route, i) => {
    route.steps.forEach((step, j) => {
      step.targets.forEach((t, k) => {
        const path = `/routes/${i}/steps/${j}/targets/${k}`;
        if ("recipient" in t && !people.has(t.recipient)) {
          problems.push({ path, message: `no recipient "${t.recipient}"` });
        }
        if ("rotation" in t && !rotations.has(t.rotation)) {
          problems.push({ path, message: `no rotation "${t.rotation}"` });
        }
      });
    });
  });
  if (c.retry.maxMs < c.retry.baseMs) problems.push({ path: "/retry/maxMs", message: "smaller than baseMs" });
  return problems;
}

export type AlertConfigTables = {
  alert_config: {
    id: string;
    config: string;
    updated_at: number | string;
    updated_by: string;
  };
};

export interface SavedAlertConfig {
  config: AlertConfig;
  updatedAt: number;
  updatedBy: string;
}

/** The current configuration document (row id "current"). */
export class AlertConfigStore {
  private readonly db: Kysely<AlertConfigTables>;

  constructor(db: Kysely<AlertConfigTables>) {
    this.db = db;
  }

  static from<DB>(store: Store<DB>): AlertConfigStore {
    return new AlertConfigStore(store.db.withTables<AlertConfigTables>() as unknown as Kysely<AlertConfigTables>);
  }

  async load(): Promise<SavedAlertConfig | undefined> {
    const row = await this.db.selectFrom("alert_config").selectAll().where("id", "=", "current").executeTakeFirst();
    if (!row) return undefined;
    return {
      config: JSON.parse(row.config) as AlertConfig,
      updatedAt: Number(row.updated_at),
      updatedBy: row.updated_by,
    };
  }

  /** Saves a configuration that `checkAlertConfig` found no problem with. */
  async save(config: AlertConfig, by: string, atMs: number): Promise<void> {
    const problems = checkAlertConfig(config);
    if (problems.length > 0)
      throw new Error(`invalid alert configuration: ${problems[0]?.path} ${problems[0]?.message}`);
    const values = { config: JSON.stringify(config), updated_at: atMs, updated_by: by };
    const updated = await this.db
      .updateTable("alert_config")
      .set(values)
      .where("id", "=", "current")
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      await this.db
        .insertInto("alert_config")
        .values({ id: "current", ...values })
        .execute();
    }
  }
}
