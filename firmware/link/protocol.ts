import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

/**
 * The board ↔ controller link: JSON text frames over a WebSocket, every frame carrying the
 * protocol version `v`. One schema, two users: the firmware (link client) and the controller
 * (controller/banks) both validate against these, so they cannot drift.
 *
 * Board → controller:  hello, then journaled `event`s (seq strictly increasing per journal),
 *                      and live `health` snapshots (not journaled: only the latest matters).
 * Controller → board:  welcome (the last seq it holds for this journal), ack (everything up to
 *                      seq is stored: the board may forget it), command.
 * Compatibility: a peer refuses a frame whose `v` differs from its own major version with an
 * `error` frame and closes; fields may be added within a version, never removed.
 */
export const LINK_PROTOCOL_VERSION = 1;

const V = Type.Literal(LINK_PROTOCOL_VERSION);

export const HandsetStateSchema = Type.Union([
  Type.Literal("on-hook"),
  Type.Literal("off-hook"),
  Type.Literal("dialling"),
  Type.Literal("in-call"),
  Type.Literal("lockout"),
  Type.Literal("killed"),
  Type.Literal("out-of-service"),
]);

const KillSourceSchema = Type.Union([Type.Literal("input"), Type.Literal("command"), Type.Literal("schedule")]);

export const HealthSchema = Type.Object({
  uptimeS: Type.Number(),
  temperatureC: Type.Optional(Type.Number()),
  /** SIP registration per handset. */
  registration: Type.Record(Type.String(), Type.Boolean()),
  faults: Type.Array(Type.String()),
  /** Events waiting in the board's journal. */
  journalDepth: Type.Integer(),
});
export type Health = Static<typeof HealthSchema>;

export const BoardEventSchema = Type.Union([
  Type.Object({ type: Type.Literal("hook"), handset: Type.String(), offHook: Type.Boolean() }),
  Type.Object({ type: Type.Literal("flash"), handset: Type.String() }),
  Type.Object({
    type: Type.Literal("handset-state"),
    handset: Type.String(),
    state: HandsetStateSchema,
    reason: Type.String(),
  }),
  Type.Object({ type: Type.Literal("refused"), handset: Type.String(), reason: Type.String() }),
  Type.Object({
    type: Type.Literal("kill"),
    unit: Type.String(),
    killed: Type.Boolean(),
    sources: Type.Array(KillSourceSchema),
    cause: KillSourceSchema,
  }),
  Type.Object({ type: Type.Literal("panel"), unit: Type.String(), lit: Type.Boolean() }),
  /** Service lost (no controller) or restored; `restored` carries what happened meanwhile. */
  Type.Object({
    type: Type.Literal("service"),
    available: Type.Boolean(),
    downMs: Type.Optional(Type.Number()),
    refusedLifts: Type.Optional(Type.Integer()),
  }),
  Type.Object({ type: Type.Literal("fault"), fault: Type.String(), active: Type.Boolean() }),
  Type.Object({
    type: Type.Literal("command-result"),
    id: Type.String(),
    ok: Type.Boolean(),
    error: Type.Optional(Type.String()),
  }),
  Type.Object({ type: Type.Literal("started"), firmwareVersion: Type.String(), board: Type.String() }),
]);
export type BoardEvent = Static<typeof BoardEventSchema>;

export const ScheduleSchema = Type.Object({
  unit: Type.String(),
  timezone: Type.String(),
  windows: Type.Array(
    Type.Object({
      days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 })),
      start: Type.String({ pattern: "^\\d{1,2}:\\d{2}$" }),
      end: Type.String({ pattern: "^\\d{1,2}:\\d{2}$" }),
    }),
  ),
});

export const BoardConfigSchema = Type.Object({
  /** Health telemetry period. */
  healthIntervalMs: Type.Optional(Type.Integer({ minimum: 1000 })),
  /** Hook timing overrides (ms), see board/signals/hook.ts. */
  flashMinMs: Type.Optional(Type.Integer({ minimum: 20 })),
  flashMaxMs: Type.Optional(Type.Integer({ minimum: 50 })),
  hangupMs: Type.Optional(Type.Integer({ minimum: 200 })),
});
export type BoardConfig = Static<typeof BoardConfigSchema>;

export const CommandSchema = Type.Union([
  Type.Object({ type: Type.Literal("kill"), unit: Type.String() }),
  Type.Object({ type: Type.Literal("release"), unit: Type.String() }),
  Type.Object({ type: Type.Literal("terminate"), handset: Type.String() }),
  Type.Object({ type: Type.Literal("connected"), handset: Type.String() }),
  Type.Object({ type: Type.Literal("schedule"), schedule: ScheduleSchema }),
  Type.Object({ type: Type.Literal("clear-schedule"), unit: Type.String() }),
  Type.Object({ type: Type.Literal("config"), config: BoardConfigSchema }),
  Type.Object({ type: Type.Literal("reboot") }),
]);
export type Command = Static<typeof CommandSchema>;

export const BoardMessageSchema = Type.Union([
  Type.Object({
    v: V,
    type: Type.Literal("hello"),
    boardId: Type.String({ minLength: 1 }),
    /** Random id of the board's journal: sequence numbers are unique within it. */
    journalId: Type.String({ minLength: 1 }),
    board: Type.String(),
    firmwareVersion: Type.String(),
    handsets: Type.Array(Type.Object({ id: Type.String(), unit: Type.String() })),
    units: Type.Array(Type.String()),
    /**
     * The units dead at this moment and what holds each (added in v1; older boards omit it), so
     * a controller that restarted knows the kill state without waiting for a change.
     */
    kills: Type.Optional(Type.Record(Type.String(), Type.Array(KillSourceSchema))),
    /** The board's shared secret, checked by the controller (send it over wss:// only). */
    token: Type.Optional(Type.String()),
  }),
  Type.Object({
    v: V,
    type: Type.Literal("event"),
    seq: Type.Integer({ minimum: 1 }),
    at: Type.Number(),
    event: BoardEventSchema,
  }),
  Type.Object({ v: V, type: Type.Literal("health"), at: Type.Number(), health: HealthSchema }),
]);
export type BoardMessage = Static<typeof BoardMessageSchema>;
export type HelloMessage = Extract<BoardMessage, { type: "hello" }>;

export const ControllerMessageSchema = Type.Union([
  Type.Object({ v: V, type: Type.Literal("welcome"), ackedThrough: Type.Integer({ minimum: 0 }) }),
  Type.Object({ v: V, type: Type.Literal("ack"), seq: Type.Integer({ minimum: 0 }) }),
  Type.Object({ v: V, type: Type.Literal("command"), id: Type.String(), command: CommandSchema }),
  Type.Object({ v: V, type: Type.Literal("error"), code: Type.String(), message: Type.String() }),
]);
export type ControllerMessage = Static<typeof ControllerMessageSchema>;

export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  readonly code: "BAD_JSON" | "BAD_VERSION" | "BAD_FRAME";
  constructor(code: ProtocolError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

function parse<T>(schema: Parameters<typeof Value.Check>[0], text: string): T {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ProtocolError("BAD_JSON", "frame is not JSON");
  }
  const v = (data as { v?: unknown } | null)?.v;
  if (v !== LINK_PROTOCOL_VERSION)
    throw new ProtocolError("BAD_VERSION", `protocol version ${String(v)} unsupported (want ${LINK_PROTOCOL_VERSION})`);
  if (!Value.Check(schema, data)) {
    const first = Value.Errors(schema, data).First();
    throw new ProtocolError("BAD_FRAME", `invalid frame${first ? `: ${first.path} ${first.message}` : ""}`);
  }
  return data as T;
}

/** Validates a frame from a board (the controller's boundary). */
export function parseBoardMessage(text: string): BoardMessage {
  return parse<BoardMessage>(BoardMessageSchema, text);
}

/** Validates a frame from the controller (the board's boundary). */
export function parseControllerMessage(text: string): ControllerMessage {
  return parse<ControllerMessage>(ControllerMessageSchema, text);
}

/** A journaled event as stored on the board and carried in `event` frames. */
export interface JournaledEvent {
  seq: number;
  at: number;
  event: BoardEvent;
}
