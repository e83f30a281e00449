import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { BoardIo, HandsetIo } from "../board/board-io.ts";
import { describeBoard } from "../board/descriptions/index.ts";
import { openBoard } from "../board/factory.ts";
import { startControlServer } from "../board/sim/control-server.ts";
import { SimBoard } from "../board/sim/sim-board.ts";
import type { Account, AudioMediaPlayer, AudioMediaRecorder, Call, Endpoint } from "../telephony/api.ts";
import { type Clock, SystemClock } from "../telephony/clock.ts";
import { createEndpoint } from "../telephony/ua/endpoint.ts";
import { type DaemonOptions, FirmwareDaemon } from "./daemon.ts";
import type { Earpiece, HandsetLine } from "./line.ts";
import { BridgeEarpiece, NoSipLine, SilentEarpiece, SipHandsetLine } from "./sip-line.ts";

export interface SipSettings {
  /** The controller's SIP address, host:port. */
  controller: string;
  /** Where every lift calls; default sip:ringdown@<controller>. */
  ringdownUri?: string;
  /** Register each handset with the controller (digest auth with `password`). Default true. */
  register?: boolean;
  password?: string;
  /** Local SIP bind; default 127.0.0.1:0 on sim, 0.0.0.0:5060 on hardware. */
  bindHost?: string;
  bindPort?: number;
  publicAddress?: string;
}

export interface FirmwareRuntimeOptions {
  board: string;
  boardId: string;
  journalFile: string;
  controllerUrl?: string;
  linkToken?: string;
  sip?: SipSettings;
  sim?: {
    /** Where handset microphones (`<h>-mic.wav`) are read and earpieces (`<h>-earpiece.wav`) recorded. */
    audioDir?: string;
    /** Control surface port; undefined = none, 0 = any free port. */
    controlPort?: number;
    replayFile?: string;
  };
  /** WAV prompt played when the bank is out of service; SIT tones when absent. */
  unavailablePrompt?: string;
  clock?: Clock;
  daemon?: Partial<DaemonOptions>;
  /** Replaces the endpoint factory (tests). */
  endpoint?: Endpoint;
  /** Sees every SIP call a handset places. */
  onCall?: (handset: string, call: Call) => void;
  log?: (msg: string, data?: unknown) => void;
  onReboot?: () => void;
}

export interface FirmwareRuntime {
  daemon: FirmwareDaemon;
  io: BoardIo;
  sim?: SimBoard;
  controlPort?: number;
  endpoint?: Endpoint;
  accounts: Map<string, Account>;
  /** Earpiece recordings on the sim board, per handset. */
  earpieceFiles: Map<string, string>;
  stop(): Promise<void>;
}

/** Opens the board, the SIP endpoint and the audio paths, and starts the daemon. */
export async function startFirmware(o: FirmwareRuntimeOptions): Promise<FirmwareRuntime> {
  const clock = o.clock ?? new SystemClock();
  const description = describeBoard(o.board);
  const cleanups: (() => Promise<void>)[] = [];
  const sim = description.name === "sim" ? new SimBoard(description, clock) : undefined;
  const io = sim ? await sim.open() : await openBoard(description);
  cleanups.push(() => io.close());
  const accounts = new Map<string, Account>();
  const earpieceFiles = new Map<string, string>();
  const lines = new Map<string, HandsetLine>();
  const earpieces = new Map<string, Earpiece>();
  let endpoint: Endpoint | undefined;
  try {
    if (o.sip) {
      const usesAlsa = io.handsets.some((h) => h.audio.kind === "alsa");
      if (usesAlsa) {
        throw new Error(
          `board ${description.name} routes handset audio through ALSA, which the telephony interface has no sound-device port for; run with --board sim, or without --sip`,
        );
      }
      const sip = o.sip;
      const ep =
        o.endpoint ??
        createEndpoint({
          clock,
          userAgent: `Yardline-bank/${o.boardId}`,
          ...(o.log ? { log: (l, m, d) => l !== "debug" && o.log?.(m, d) } : {}),
        });
      endpoint = ep;
      if (!o.endpoint) {
        await ep.transportCreate("udp", {
          host: sip.bindHost ?? "127.0.0.1",
          port: sip.bindPort ?? 0,
          ...(sip.publicAddress ? { publicAddress: sip.publicAddress } : {}),
        });
        cleanups.push(() => ep.libDestroy());
      }
      const domain = sip.controller.replace(/:\d+$/, "");
      const audioDir = o.sim?.audioDir ?? join(process.cwd(), ".lab", "audio", o.boardId);
      await mkdir(audioDir, { recursive: true });
      const recorders: AudioMediaRecorder[] = [];
      cleanups.unshift(async () => {
        for (const r of recorders) await r.close().catch(() => undefined);
      });
      for (const h of io.handsets) {
        const user = `${o.boardId}-${h.id}`;
        const account = ep.accountCreate({
          idUri: `sip:${user}@${domain}`,
          ...(sip.register !== false ? { registrarUri: `sip:${sip.controller}`, registerExpires: 300 } : {}),
          ...(sip.password ? { credentials: [{ realm: "*", username: user, password: sip.password }] } : {}),
        });
        accounts.set(h.id, account);
        if (sip.register !== false)
          account.register().catch((err: Error) => o.log?.(`${user}: register failed`, err.message));
        const earFile = join(audioDir, `${h.id}-earpiece.wav`);
        const recorder = await ep.createRecorder(earFile);
        recorders.push(recorder);
        earpieceFiles.set(h.id, earFile);
        const micFile = join(audioDir, `${h.id}-mic.wav`);
        let mic: AudioMediaPlayer | undefined;
        if (existsSync(micFile)) {
          const player = ep.createPlayer();
          player.on("end", () => player.enqueue([micFile])); // the inmate keeps talking
          player.enqueue([micFile]);
          mic = player;
        }
        lines.set(
          h.id,
          new SipHandsetLine({
            account,
            ringdownUri: sip.ringdownUri ?? `sip:ringdown@${sip.controller}`,
            earpiece: recorder.left,
            ...(mic ? { microphone: mic } : {}),
            ...(o.onCall ? { onCall: (c: Call) => o.onCall?.(h.id, c) } : {}),
            clock,
            ...(o.log ? { log: o.log } : {}),
          }),
        );
        const prompt = o.unavailablePrompt;
        earpieces.set(
          h.id,
          new BridgeEarpiece({
            tones: ep.createToneGenerator(),
            sink: recorder.left,
            ...(prompt ? { player: ep.createPlayer(), unavailablePrompt: prompt } : {}),
          }),
        );
      }
    }
    const daemon = await FirmwareDaemon.start({
      board: io,
      boardId: o.boardId,
      clock,
      journalFile: o.journalFile,
      ...(o.controllerUrl ? { controllerUrl: o.controllerUrl } : {}),
      ...(o.linkToken ? { linkToken: o.linkToken } : {}),
      line: (h: HandsetIo) => lines.get(h.id) ?? new NoSipLine(),
      earpiece: (h: HandsetIo) => earpieces.get(h.id) ?? new SilentEarpiece(),
      ...(o.log ? { log: o.log } : {}),
      ...(o.onReboot ? { onReboot: o.onReboot } : {}),
      ...o.daemon,
    });
    cleanups.unshift(() => daemon.stop());
    let controlPort: number | undefined;
    if (sim && o.sim?.controlPort !== undefined) {
      const ctl = await startControlServer(sim, {
        port: o.sim.controlPort,
        status: () => ({
          available: daemon.serviceAvailable,
          link: daemon.link?.up ?? false,
          handsets: Object.fromEntries([...daemon.handsets].map(([id, h]) => [id, h.state])),
          killed: daemon.kills.units().filter((u) => daemon.kills.isKilled(u)),
        }),
      });
      controlPort = ctl.port;
      cleanups.unshift(() => ctl.close());
    }
    if (sim && o.sim?.replayFile) {
      const file = o.sim.replayFile;
      sim.replay(file).then(
        (n) => o.log?.(`replayed ${n} inputs from ${file}`),
        (err: Error) => o.log?.(`replay failed: ${err.message}`),
      );
    }
    return {
      daemon,
      io,
      ...(sim ? { sim } : {}),
      ...(controlPort !== undefined ? { controlPort } : {}),
      ...(endpoint ? { endpoint } : {}),
      accounts,
      earpieceFiles,
      stop: async () => {
        for (const c of cleanups) await c().catch((err) => o.log?.("stop step failed", err));
      },
    };
  } catch (err) {
    for (const c of cleanups) await c().catch(() => undefined);
    throw err;
  }
}
