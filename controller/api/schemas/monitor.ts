/**
 * Live monitoring's request bodies (controller/api/routes/monitor-routes.ts), shared with the UI.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./common.ts";

export const MonitorModeSchema = Type.Union([Type.Literal("silent"), Type.Literal("beep"), Type.Literal("barge")]);

/**
 * A monitoring station: a SIP URI (`sip:desk-4@10.1.2.3:5060`) or the name of a station account
 * registered with the controller (`monitor-control-room`).
 */
export const StationSchema = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^(sips?:[^\\s<>"]+|monitor-[a-z0-9][a-z0-9-]{0,39})$',
  description: "A SIP URI, or a registered monitoring station's name (monitor-…)",
});

export const StartMonitorBody = Type.Object(
  { mode: MonitorModeSchema, station: StationSchema },
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
  station: Type.String(),
  startedBy: Type.String(),
  startedAt: Type.Number(),
  state: Type.Union([Type.Literal("calling"), Type.Literal("active")]),
});
