import type { BoardEvent, Health, HelloMessage } from "../../firmware/link/protocol.ts";

type HandsetState = Extract<BoardEvent, { type: "handset-state" }>["state"];

/** What the controller knows of one phone bank, rebuilt from its events. */
export interface BankState {
  boardId: string;
  board: string;
  firmwareVersion: string;
  connected: boolean;
  /** Highest event seq stored for the board's current journal. */
  journalId: string;
  lastSeq: number;
  handsets: Record<string, { unit: string; state: HandsetState | "unknown"; offHook: boolean }>;
  units: Record<string, { killed: boolean; sources: string[]; panelLit: boolean }>;
  /** Whether the board can place calls (false while it had no controller). */
  serviceAvailable: boolean;
  health?: Health & { at: number };
  faults: string[];
}

export function newBankState(hello: HelloMessage): BankState {
  return {
    boardId: hello.boardId,
    board: hello.board,
    firmwareVersion: hello.firmwareVersion,
    connected: true,
    journalId: hello.journalId,
    lastSeq: 0,
    handsets: Object.fromEntries(
      hello.handsets.map((h) => [h.id, { unit: h.unit, state: "unknown" as const, offHook: false }]),
    ),
    units: Object.fromEntries(
      hello.units.map((u) => {
        const sources = hello.kills?.[u] ?? [];
        return [u, { killed: sources.length > 0, sources, panelLit: false }];
      }),
    ),
    serviceAvailable: true,
    faults: [],
  };
}

/** Applies one event to the state (pure bookkeeping, no policy). */
export function applyEvent(s: BankState, e: BoardEvent): void {
  switch (e.type) {
    case "hook": {
      const h = s.handsets[e.handset];
      if (h) h.offHook = e.offHook;
      return;
    }
    case "handset-state": {
      const h = s.handsets[e.handset];
      if (h) h.state = e.state;
      return;
    }
    case "kill": {
      const u = s.units[e.unit];
      if (u) {
        u.killed = e.killed;
        u.sources = e.sources;
      }
      return;
    }
    case "panel": {
      const u = s.units[e.unit];
      if (u) u.panelLit = e.lit;
      return;
    }
    case "service":
      s.serviceAvailable = e.available;
      return;
    case "fault":
      s.faults = e.active ? [...new Set([...s.faults, e.fault])] : s.faults.filter((f) => f !== e.fault);
      return;
    default:
      return;
  }
}
