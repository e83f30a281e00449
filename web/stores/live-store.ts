/**
 * Calls in progress and alerts, kept current over the server's WebSocket feeds. Messages are
 * applied in `batch()` so one message is one render.
 */
import { batch, signal } from "@preact/signals";
import type { AlertView, LiveMessage } from "../../controller/alerts/alert-routes.ts";
import type { LiveFeedMessage } from "../../controller/api/routes/live-routes.ts";
import type { LiveCall } from "../../controller/calls/events.ts";

function socketUrl(path: string): string {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${path}`;
}

/** A short two-tone chime from WebAudio (no sound file to ship); browsers allow it after a click. */
export function chime(): void {
  try {
    const ctx = new AudioContext();
    for (const [i, f] of [880, 660].entries()) {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = f;
      g.gain.value = 0.15;
      o.connect(g).connect(ctx.destination);
      o.start(ctx.currentTime + i * 0.18);
      o.stop(ctx.currentTime + i * 0.18 + 0.16);
    }
  } catch {
    // No audio device: the flashing banner is still there.
  }
}

export function createLiveStore() {
  const calls = signal<Map<string, LiveCall>>(new Map());
  const alerts = signal<AlertView[]>([]);
  const connected = signal(false);
  const raisedCount = signal(0);
  /** Monitors that ended without the viewer asking (station hung up, call ended), newest first. */
  const monitorEnds = signal<Extract<LiveFeedMessage, { type: "monitor-ended" }>[]>([]);
  const sockets: WebSocket[] = [];

  function connectCalls() {
    const ws = new WebSocket(socketUrl("/api/live"));
    sockets.push(ws);
    ws.onopen = () => {
      connected.value = true;
    };
    ws.onclose = () => {
      connected.value = false;
    };
    ws.onmessage = (ev) => {
      const m = JSON.parse(String(ev.data)) as LiveFeedMessage;
      if (m.type === "monitor-ended") {
        monitorEnds.value = [m, ...monitorEnds.value].slice(0, 5);
        return;
      }
      batch(() => {
        const next = new Map(m.type === "snapshot" ? [] : calls.value);
        if (m.type === "snapshot") for (const c of m.calls) next.set(c.callId, c);
        else if (m.type === "call") next.set(m.call.callId, m.call);
        else next.delete(m.call.callId);
        calls.value = next;
      });
    };
  }

  function connectAlerts(sound: boolean) {
    const ws = new WebSocket(socketUrl("/api/alerts/live"));
    sockets.push(ws);
    ws.onmessage = (ev) => {
      const m = JSON.parse(String(ev.data)) as LiveMessage;
      if (m.kind === "delivery") return;
      batch(() => {
        alerts.value = [m.alert, ...alerts.value.filter((a) => a.id !== m.alert.id)].slice(0, 50);
        if (m.kind === "raised") raisedCount.value++;
      });
      if (m.kind === "raised" && sound) chime();
    };
  }

  return {
    calls,
    alerts,
    connected,
    raisedCount,
    monitorEnds,
    start(opts: { calls: boolean; alerts: boolean; sound: boolean }) {
      if (opts.calls) connectCalls();
      if (opts.alerts) connectAlerts(opts.sound);
    },
    stop() {
      for (const s of sockets.splice(0)) s.close();
    },
  };
}
