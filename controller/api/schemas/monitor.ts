/**
 * Live monitoring's request bodies (controller/api/routes/monitor-routes.ts) and the monitoring
 * stations' administration (monitor-station-routes.ts), shared with the UI.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./common.ts";

export const MonitorModeSchema = Type.Union([Type.Literal("silent"), Type.Literal("beep"), Type.Literal("barge")]);

/** A monitor is started on one of the stations an administrator set up, by its id. */
export const StartMonitorBody = Type.Object(
  { mode: MonitorModeSchema, stationId: Id },
  { additionalProperties: false },
);
export type StartMonitorBody = Static<typeof StartMonitorBody>;

export const ChangeMonitorBody = Type.Object({ mode: MonitorModeSchema }, { additionalProperties: false });
export type ChangeMonitorBody = Static<typeof ChangeMonitorBody>;

export const MonitorParams = Type.Object({ id: Id, monitorId: Id });
export type MonitorParams = Static<typeof MonitorParams>;

export const MonitorViewSchema = Type.Object({
  monitorId: Type.String(),
  mode: MonitorModeSchema,
  stationId: Type.String(),
  station: Type.String({ description: "The station's name" }),
  startedBy: Type.String(),
  startedAt: Type.Number(),
  state: Type.Union([Type.Literal("calling"), Type.Literal("active")]),
});

/** A monitoring station as administrators and officers see it (never its credential). */
export const MonitorStationSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  account: Type.String({ description: "The SIP user name the station registers with" }),
  facilityIds: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  /** Registered with the controller now (only when the controller runs the call flow). */
  registered: Type.Optional(Type.Boolean()),
  credentialSetAt: Type.Number(),
  createdAt: Type.Number(),
  createdBy: Type.String(),
  updatedAt: Type.Number(),
  updatedBy: Type.String(),
});
export type MonitorStationView = Static<typeof MonitorStationSchema>;

const StationName = Type.String({ minLength: 1, maxLength: 100, pattern: "\\S" });
const StationFacilities = Type.Array(Id, { minItems: 1, maxItems: 50, uniqueItems: true });

export const CreateMonitorStationBody = Type.Object(
  {
    name: StationName,
    facilityIds: StationFacilities,
    account: Type.Optional(
      Type.String({
        pattern: "^monitor-[a-z0-9][a-z0-9-]{0,39}$",
        description: "SIP user name; from the name when left out",
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateMonitorStationBody = Static<typeof CreateMonitorStationBody>;

export const UpdateMonitorStationBody = Type.Object(
  {
    name: Type.Optional(StationName),
    facilityIds: Type.Optional(StationFacilities),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateMonitorStationBody = Static<typeof UpdateMonitorStationBody>;

/** A station with its password, returned once at creation and at each credential reset. */
export const MonitorStationCredential = Type.Object({
  station: MonitorStationSchema,
  password: Type.String({ description: "Shown this once; only its digests are kept" }),
  realm: Type.String(),
});
export type MonitorStationCredential = Static<typeof MonitorStationCredential>;
