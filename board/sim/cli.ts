/**
 * Command-line client of the simulated board's control surface.
 *
 *   tsx board/sim/cli.ts [--url http://127.0.0.1:7070] <command> [args]
 *
 *   state | lift H | hang-up H | keys H DIGITS | rotary H DIGITS | flash H [MS]
 *   kill UNIT on|off | fault NAME on|off | record FILE | record-stop | replay FILE
 *
 * The URL defaults to $YARDLINE_SIM_URL, then http://127.0.0.1:7070.
 */
import { resolve } from "node:path";

export const DEFAULT_SIM_URL = "http://127.0.0.1:7070";

function onOff(v: string | undefined): boolean {
  if (v === "on") return true;
  if (v === "off") return false;
  throw new Error(`expected on|off, got ${v ?? "nothing"}`);
}

/** Maps a command line to an HTTP request on the control surface. */
export function toRequest(args: string[]): { method: "GET" | "POST"; path: string; body?: object } {
  const [cmd, a, b] = args;
  const need = (v: string | undefined, what: string): string => {
    if (!v) throw new Error(`${cmd}: missing ${what}`);
    return v;
  };
  switch (cmd) {
    case "state":
      return { method: "GET", path: "/state" };
    case "lift":
    case "hang-up":
      return { method: "POST", path: `/handsets/${need(a, "handset")}/${cmd}` };
    case "keys":
    case "rotary":
      return { method: "POST", path: `/handsets/${need(a, "handset")}/${cmd}`, body: { digits: need(b, "digits") } };
    case "flash":
      return { method: "POST", path: `/handsets/${need(a, "handset")}/flash`, body: b ? { ms: Number(b) } : {} };
    case "kill":
      return { method: "POST", path: `/units/${need(a, "unit")}/kill`, body: { active: onOff(b) } };
    case "fault":
      return { method: "POST", path: "/faults", body: { name: need(a, "fault name"), active: onOff(b) } };
    case "record":
      return { method: "POST", path: "/record", body: { file: resolve(need(a, "file")) } };
    case "record-stop":
      return { method: "POST", path: "/record/stop" };
    case "replay":
      return { method: "POST", path: "/replay", body: { file: resolve(need(a, "file")) } };
    default:
      throw new Error(`unknown command "${cmd ?? ""}"`);
  }
}

export async function main(argv: string[]): Promise<number> {
  let url = process.env.YARDLINE_SIM_URL ?? DEFAULT_SIM_URL;
  const args = [...argv];
  const i = args.indexOf("--url");
  if (i >= 0) {
    url = args[i + 1] ?? url;
    args.splice(i, 2);
  }
  let req: ReturnType<typeof toRequest>;
  try {
    req = toRequest(args);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const res = await fetch(new URL(req.path, url), {
    method: req.method,
    ...(req.body ? { body: JSON.stringify(req.body), headers: { "content-type": "application/json" } } : {}),
  });
  const text = await res.text();
  process.stdout.write(`${text}\n`);
  return res.ok ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    },
  );
}
