/**
 * Alerts from the phone banks' controller link (firmware/link/protocol.ts): every frame from a
 * board is a sign of life for the heartbeat watch; a closed link takes the bank offline at once;
 * a kill switch thrown or released with the bank's own key switch is reported as such. Kills the
 * controller itself pushed (an administrator's switch, already in the audit trail, or calling
 * hours reaching their boundary every night) are not alerts: on-call staff would be paged for
 * routine, known changes. Whoever runs the link server (controller/banks) calls `message()` and
 * `closed()`; this file decides what is worth an alert.
 */
import type { BoardMessage } from "../../firmware/link/protocol.ts";
import type { AlertRaiser, HeartbeatWatch } from "./health-watch.ts";

export interface BankLinkAlerts {
  message(boardId: string, msg: BoardMessage): void;
  closed(boardId: string, reason?: string): void;
}

export function bankLinkAlerts(opts: {
  facilityId: string;
  watch: HeartbeatWatch;
  alerts: AlertRaiser;
}): BankLinkAlerts {
  const { facilityId, watch, alerts } = opts;
  return {
    message(boardId, msg) {
      watch.beat(boardId);
      if (msg.type !== "event") return;
      const e = msg.event;
      if (e.type === "kill" && e.cause === "input") {
        const by = `phone bank ${boardId} (key switch)`;
        alerts.raise({
          type: e.killed ? "kill-switch-thrown" : "kill-switch-released",
          facilityId,
          scope: e.unit,
          by,
        });
      }
    },
    closed(boardId, reason = "link closed") {
      watch.lost(boardId, reason);
    },
  };
}
