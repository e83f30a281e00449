/**
 * The alerts Yardline raises, typed. Each event says which facility it concerns and carries the
 * facts a person on call needs; `describeAlert()` turns it into a severity, plain-English text
 * and a `conditionKey`.
 *
 * The condition key pairs a malfunction with its recovery (both produce the same key) and groups
 * repeats of the same condition (a phone bank flapping, a hot number redialled in one call).
 *
 * Spec (IWTS functional requirements, "Call Control System"): "The IWTS shall possess the
 * capability to notify both Contractor and State personnel in the event of a malfunction of the
 * call control system, the recording system, monitoring station, or any other system component,
 * with the exception of an individual telephone instrument. The notification may be sent to one
 * (1) or more individuals' pager or other telecommunications device."
 */

export type Severity = "critical" | "major" | "minor" | "info";

export const severityRank: Record<Severity, number> = { info: 0, minor: 1, major: 2, critical: 3 };

/** Who was on the phone, as far as the call flow knows. */
export interface InmateRef {
  id: string;
  name?: string;
}

interface Base {
  facilityId: string;
}

interface HotNumberFacts extends Base {
  callId: string;
  inmate: InmateRef;
  stationId: string;
  number: string;
  /** Why the number is on the hot list (the note an investigator left). */
  note?: string;
}

export type AlertEvent =
  | ({ type: "hot-number-dialled" } & HotNumberFacts)
  | ({ type: "hot-number-connected" } & HotNumberFacts)
  | ({ type: "bank-offline" } & Base & { bankId: string; reason?: string })
  | ({ type: "bank-online" } & Base & { bankId: string })
  | ({ type: "watchdog-fired" } & Base & { bankId: string; detail?: string })
  | ({ type: "trunk-unreachable" } & Base & { trunkId: string; detail?: string })
  | ({ type: "trunk-recovered" } & Base & { trunkId: string })
  | ({ type: "recording-failing" } & Base & { detail: string })
  | ({ type: "recording-recovered" } & Base)
  | ({ type: "disk-nearly-full" } & Base & { volume: string; usedPercent: number })
  | ({ type: "disk-recovered" } & Base & { volume: string; usedPercent: number })
  | ({ type: "store-unavailable" } & Base & { detail: string })
  | ({ type: "store-recovered" } & Base)
  | ({ type: "prompts-missing" } & Base & { prompts: string[] })
  | ({ type: "prompts-restored" } & Base)
  | ({ type: "extra-digits" } & Base & {
        callId: string;
        inmate?: InmateRef;
        stationId: string;
        number: string;
        digits: string;
        from: "inmate" | "called";
      })
  | ({ type: "hook-flash" } & Base & { callId: string; inmate?: InmateRef; stationId: string; number: string })
  | ({ type: "unusual-dialling" } & Base & { stationId?: string; inmate?: InmateRef; pattern: string })
  | ({ type: "kill-switch-thrown" } & Base & { scope: string; by: string })
  | ({ type: "kill-switch-released" } & Base & { scope: string; by: string })
  | ({ type: "threshold-crossed" } & Base & {
        ruleId: string;
        metric: string;
        count: number;
        limit: number;
        windowMs: number;
      });

export type AlertType = AlertEvent["type"];

export const alertTypes: readonly AlertType[] = [
  "hot-number-dialled",
  "hot-number-connected",
  "bank-offline",
  "bank-online",
  "watchdog-fired",
  "trunk-unreachable",
  "trunk-recovered",
  "recording-failing",
  "recording-recovered",
  "disk-nearly-full",
  "disk-recovered",
  "store-unavailable",
  "store-recovered",
  "prompts-missing",
  "prompts-restored",
  "extra-digits",
  "hook-flash",
  "unusual-dialling",
  "kill-switch-thrown",
  "kill-switch-released",
  "threshold-crossed",
];

/** Alert families, for routing rules that say "all malfunctions" rather than list each type. */
export type AlertCategory = "hot-number" | "malfunction" | "fraud" | "kill-switch" | "threshold";

/**
 * "raise" opens (or repeats) a condition; "clear" closes the open alert with the same key and
 * sends the matching "recovered" message to everyone who was told about it.
 */
export type AlertPhase = "raise" | "clear";

export interface AlertDescription {
  type: AlertType;
  category: AlertCategory;
  phase: AlertPhase;
  severity: Severity;
  conditionKey: string;
  /** One line for a subject or a pager's first screen. */
  title: string;
  /** Plain English, several sentences at most. */
  text: string;
  /** Where to listen to the call live, for hot-number alerts. */
  listenPath?: string;
}

const who = (i: InmateRef | undefined) => (i ? (i.name ? `${i.name} (${i.id})` : i.id) : "an unidentified caller");
/** `who()` at the start of a sentence. */
const Who = (i: InmateRef | undefined) => {
  const w = who(i);
  return w.charAt(0).toUpperCase() + w.slice(1);
};

/** Turns an event into what staff read. Pure: the same event always reads the same. */
export function describeAlert(e: AlertEvent): AlertDescription {
  const f = e.facilityId;
  switch (e.type) {
    case "hot-number-dialled":
    case "hot-number-connected": {
      const verb = e.type === "hot-number-dialled" ? "dialled" : "is connected to";
      return {
        type: e.type,
        category: "hot-number",
        phase: "raise",
        severity: "critical",
        // One alert per call and stage: a redial inside the same call groups, another call pages again.
        conditionKey: `${e.type}:${f}:${e.callId}`,
        title: `HOT NUMBER ${e.number} ${e.type === "hot-number-dialled" ? "dialled" : "connected"} at ${e.stationId}`,
        text:
          `${Who(e.inmate)} ${verb} hot number ${e.number} from station ${e.stationId} at facility ${f}.` +
          (e.note ? ` Hot list note: ${e.note}.` : ""),
        listenPath: `/live/${encodeURIComponent(e.callId)}`,
      };
    }
    case "bank-offline":
      return malfunction(e.type, "major", `bank:${f}:${e.bankId}`, `Phone bank ${e.bankId} offline`, [
        `Phone bank ${e.bankId} at facility ${f} stopped answering the controller.`,
        e.reason ? `Reason: ${e.reason}.` : "",
        "Inmates on that bank cannot place calls until it is back.",
      ]);
    case "bank-online":
      return recovery(e.type, `bank:${f}:${e.bankId}`, `Phone bank ${e.bankId} back online`, [
        `Phone bank ${e.bankId} at facility ${f} is answering the controller again.`,
      ]);
    case "watchdog-fired":
      // A watchdog reset is an event, not a lasting condition: the bank's own offline/online
      // alerts carry the outage, this one says why it restarted.
      return malfunction(e.type, "major", `watchdog:${f}:${e.bankId}`, `Phone bank ${e.bankId} watchdog reset`, [
        `The hardware watchdog on phone bank ${e.bankId} at facility ${f} restarted the board.`,
        e.detail ? `Detail: ${e.detail}.` : "",
      ]);
    case "trunk-unreachable":
      return malfunction(e.type, "critical", `trunk:${f}:${e.trunkId}`, `Trunk ${e.trunkId} unreachable`, [
        `The telephone trunk ${e.trunkId} at facility ${f} does not answer OPTIONS probes.`,
        e.detail ? `Detail: ${e.detail}.` : "",
        "Outside calls fail until it recovers.",
      ]);
    case "trunk-recovered":
      return recovery(e.type, `trunk:${f}:${e.trunkId}`, `Trunk ${e.trunkId} recovered`, [
        `The telephone trunk ${e.trunkId} at facility ${f} answers again.`,
      ]);
    case "recording-failing":
      return malfunction(e.type, "critical", `recording:${f}`, "Call recording failing", [
        `Call recording at facility ${f} is failing: ${e.detail}.`,
      ]);
    case "recording-recovered":
      return recovery(e.type, `recording:${f}`, "Call recording recovered", [
        `Call recording at facility ${f} works again.`,
      ]);
    case "disk-nearly-full":
      return malfunction(e.type, "major", `disk:${f}:${e.volume}`, `Disk ${e.volume} ${e.usedPercent}% full`, [
        `The recording disk ${e.volume} at facility ${f} is ${e.usedPercent}% full.`,
      ]);
    case "disk-recovered":
      return recovery(e.type, `disk:${f}:${e.volume}`, `Disk ${e.volume} back to ${e.usedPercent}%`, [
        `The recording disk ${e.volume} at facility ${f} is down to ${e.usedPercent}% full.`,
      ]);
    case "store-unavailable":
      return malfunction(e.type, "critical", `store:${f}`, "Database unavailable", [
        `The controller database for facility ${f} is unavailable: ${e.detail}.`,
      ]);
    case "store-recovered":
      return recovery(e.type, `store:${f}`, "Database recovered", [
        `The controller database for facility ${f} is available again.`,
      ]);
    case "prompts-missing":
      return malfunction(e.type, "major", `prompts:${f}`, "Voice prompts missing", [
        `Voice prompts missing at facility ${f}: ${e.prompts.join(", ")}.`,
      ]);
    case "prompts-restored":
      return recovery(e.type, `prompts:${f}`, "Voice prompts restored", [
        `Voice prompts at facility ${f} are complete.`,
      ]);
    case "extra-digits":
      return fraud(e.type, `extra-digits:${f}:${e.callId}`, `Extra digits on call to ${e.number}`, [
        `${e.from === "inmate" ? `${Who(e.inmate)} dialled` : "The called party dialled"} extra digits "${e.digits}"`,
        `during a call from station ${e.stationId} to ${e.number} at facility ${f}.`,
      ]);
    case "hook-flash":
      return fraud(e.type, `hook-flash:${f}:${e.callId}`, `Hook flash on call to ${e.number}`, [
        `A hook flash was detected during a call by ${who(e.inmate)} from station ${e.stationId} to ${e.number}`,
        `at facility ${f} (possible three-way call).`,
      ]);
    case "unusual-dialling":
      return fraud(
        e.type,
        `unusual-dialling:${f}:${e.stationId ?? "-"}:${e.inmate?.id ?? "-"}`,
        "Unusual dialling pattern",
        [
          `Unusual dialling at facility ${f}`,
          e.stationId ? `from station ${e.stationId}` : "",
          e.inmate ? `by ${who(e.inmate)}` : "",
          `: ${e.pattern}.`,
        ],
      );
    case "kill-switch-thrown":
      return {
        type: e.type,
        category: "kill-switch",
        phase: "raise",
        severity: "critical",
        conditionKey: `kill:${f}:${e.scope}`,
        title: `Kill switch thrown: ${e.scope}`,
        text: `${e.by} cut off telephone service for ${e.scope} at facility ${f}.`,
      };
    case "kill-switch-released":
      return {
        type: e.type,
        category: "kill-switch",
        phase: "clear",
        severity: "info",
        conditionKey: `kill:${f}:${e.scope}`,
        title: `Kill switch released: ${e.scope}`,
        text: `${e.by} restored telephone service for ${e.scope} at facility ${f}.`,
      };
    case "threshold-crossed": {
      const minutes = Math.round(e.windowMs / 60_000);
      return {
        type: e.type,
        category: "threshold",
        phase: "raise",
        severity: "major",
        conditionKey: `threshold:${f}:${e.ruleId}`,
        title: `Threshold: ${e.count} ${e.metric} in ${minutes} min`,
        text: `${e.count} "${e.metric}" at facility ${f} in the last ${minutes} minutes (limit ${e.limit}).`,
      };
    }
  }
}

function join(parts: string[]): string {
  return parts
    .filter((p) => p !== "")
    .join(" ")
    .replace(/ :/g, ":");
}

function malfunction(
  type: AlertType,
  severity: Severity,
  conditionKey: string,
  title: string,
  parts: string[],
): AlertDescription {
  return { type, category: "malfunction", phase: "raise", severity, conditionKey, title, text: join(parts) };
}

function recovery(type: AlertType, conditionKey: string, title: string, parts: string[]): AlertDescription {
  return { type, category: "malfunction", phase: "clear", severity: "info", conditionKey, title, text: join(parts) };
}

function fraud(type: AlertType, conditionKey: string, title: string, parts: string[]): AlertDescription {
  return { type, category: "fraud", phase: "raise", severity: "major", conditionKey, title, text: join(parts) };
}
