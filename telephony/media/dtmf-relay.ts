/**
 * SIP INFO DTMF (`application/dtmf-relay`), as Cisco and many trunks send it:
 *
 *   Signal=5
 *   Duration=160
 *
 * There is no RFC; this follows the de-facto format (key=value lines, case-insensitive keys,
 * Duration in ms). `Signal=16` and `Signal=!` are a hook flash. Signalling hands us the body.
 */
import type { DtmfEvent } from "../api.ts";
import { eventToDigit } from "../rtp/telephone-event.ts";

/** Duration used when the body has none (ms). */
export const DEFAULT_RELAY_DURATION_MS = 100;

/** Parses a dtmf-relay body; returns undefined when it holds no valid signal. */
export function parseDtmfRelay(body: string): DtmfEvent | undefined {
  let signal: string | undefined;
  let duration: number | undefined;
  for (const line of body.split(/\r\n|\n|\r/)) {
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (key === "signal") signal = value;
    else if (key === "duration") {
      const n = Number(value);
      if (Number.isFinite(n) && n >= 0) duration = n;
    }
  }
  if (signal === undefined || signal === "") return undefined;
  let digit: string | undefined;
  if (signal === "!" || signal.toLowerCase() === "flash") digit = "flash";
  else if (/^\d{2}$/.test(signal)) digit = eventToDigit(Number(signal));
  else if (signal.length === 1) digit = /^[0-9*#A-Da-d]$/.test(signal) ? signal.toUpperCase() : undefined;
  if (digit === undefined) return undefined;
  return { digit, method: "info", durationMs: duration ?? DEFAULT_RELAY_DURATION_MS };
}
