/**
 * The phone-bank firmware entry point.
 *
 *   tsx firmware/main.ts --board sim|bank-8|qemu-virt --controller ws://HOST:PORT/banks
 *                        [--sip HOST:PORT] [--sip-password PW] [--no-register] [--ringdown URI]
 *                        [--board-id ID] [--journal FILE] [--replay FILE]
 *                        [--control-port N] [--audio-dir DIR] [--unavailable-prompt WAV]
 *                        [--link-token TOKEN] [--sip-bind HOST:PORT]
 *
 * Handset audio follows the board: on `sim`, WAV files in --audio-dir; on a real board, the ALSA
 * device its description names for each handset (aplay/arecord, see docs/firmware.md "Audio").
 * GPIO drivers are loaded as the description names them (board/factory.ts).
 *
 * Environment: YARDLINE_SIP_PASSWORD and YARDLINE_LINK_TOKEN instead of the options (keeps
 * secrets out of the process list). On SIGINT/SIGTERM the daemon stops cleanly (journal
 * flushed, watchdog disarmed with 'V'); a crash leaves the watchdog armed so the board resets.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startFirmware } from "./runtime.ts";

export function parseFirmwareArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      board: { type: "string", default: "sim" },
      controller: { type: "string" },
      sip: { type: "string" },
      "sip-password": { type: "string" },
      "no-register": { type: "boolean", default: false },
      ringdown: { type: "string" },
      "board-id": { type: "string" },
      journal: { type: "string" },
      replay: { type: "string" },
      "control-port": { type: "string" },
      "audio-dir": { type: "string" },
      "unavailable-prompt": { type: "string" },
      "sip-bind": { type: "string" },
      "link-token": { type: "string" },
    },
    strict: true,
  });
  const boardId = values["board-id"] ?? `${values.board}-${hostname()}`;
  const controlPort = values["control-port"] ?? (values.board === "sim" ? "7070" : undefined);
  if (controlPort !== undefined && !/^\d+$/.test(controlPort)) throw new Error("--control-port must be a number");
  if (values.replay && values.board !== "sim") throw new Error("--replay needs --board sim");
  const password = values["sip-password"] ?? process.env.YARDLINE_SIP_PASSWORD;
  const linkToken = values["link-token"] ?? process.env.YARDLINE_LINK_TOKEN;
  const [bindHost, bindPort] = (values["sip-bind"] ?? "").split(":");
  return {
    board: values.board as string,
    boardId,
    journalFile: values.journal ?? join(process.cwd(), ".lab", "journal", `${boardId}.json`),
    ...(values.controller ? { controllerUrl: values.controller } : {}),
    ...(linkToken ? { linkToken } : {}),
    ...(values.sip
      ? {
          sip: {
            controller: values.sip,
            register: !values["no-register"],
            ...(password ? { password } : {}),
            ...(values.ringdown ? { ringdownUri: values.ringdown } : {}),
            ...(bindHost ? { bindHost } : {}),
            ...(bindPort ? { bindPort: Number(bindPort) } : {}),
          },
        }
      : {}),
    sim: {
      ...(values["audio-dir"] ? { audioDir: values["audio-dir"] } : {}),
      ...(controlPort !== undefined ? { controlPort: Number(controlPort) } : {}),
      ...(values.replay ? { replayFile: values.replay } : {}),
    },
    ...(values["unavailable-prompt"] ? { unavailablePrompt: values["unavailable-prompt"] } : {}),
  };
}

async function main(): Promise<void> {
  const opts = parseFirmwareArgs(process.argv.slice(2));
  const log = (msg: string, data?: unknown) =>
    process.stderr.write(`${new Date().toISOString()} ${msg}${data === undefined ? "" : ` ${JSON.stringify(data)}`}\n`);
  let stopping = false;
  const rt = await startFirmware({
    ...opts,
    log,
    onReboot: () => {
      void shutdown(0);
    },
  });
  log(
    `firmware up: board ${opts.board} as ${opts.boardId}${rt.controlPort ? `, sim control on 127.0.0.1:${rt.controlPort}` : ""}`,
  );
  async function shutdown(code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    await rt.stop();
    process.exit(code);
  }
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: Error) => {
    process.stderr.write(`firmware: ${err.message}\n`);
    process.exit(1);
  });
}
