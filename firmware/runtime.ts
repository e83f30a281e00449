import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { BoardIo, HandsetIo } from "../board/board-io.ts";
import { describeBoard } from "../board/descriptions/index.ts";
import type { BoardDescription } from "../board/descriptions/types.ts";
import { type FactoryOptions, openBoard } from "../board/factory.ts";
import { startControlServer } from "../board/sim/control-server.ts";
import { SimBoard } from "../board/sim/sim-board.ts";
import type { Account, AudioMedia, AudioMediaRecorder, Call, Endpoint, ExtraAudioDevice } from "../telephony/api.ts";
import { type Clock, SystemClock } from "../telephony/clock.ts";
import { createEndpoint } from "../telephony/ua/endpoint.ts";
import { type DaemonOptions, FirmwareDaemon } from "./daemon.ts";
import { HandsetAudio } from "./handset-audio.ts";
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
  /** A description not among the built-in boards (a test rig); `board` is then only its label. */
  boardDescription?: BoardDescription;
  /** Passed to the board factory (poll periods, test bindings); not used on `sim`. */
  boardOptions?: FactoryOptions;
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
  /**
   * How long after a handset's sound device failed to open, or died, it is tried again
   * (default 30 s, SOUND_RETRY_MS).
   */
  soundRetryMs?: number;
  /** Replaces the endpoint factory (tests). */
  endpoint?: Endpoint;
  /** Sees every SIP call a handset places. */
  onCall?: (handset: string, call: Call) => void;
  log?: (msg: string, data?: unknown) => void;
  onReboot?: () => void;
}

export interface FirmwareRuntime {
  daemon: FirmwareDaemon;
  /** The board as the daemon sees it: its faults include the handsets' sound devices. */
  io: BoardIo;
  sim?: SimBoard;
  controlPort?: number;
  endpoint?: Endpoint;
  accounts: Map<string, Account>;
  /** Earpiece recordings on the sim board, per handset. */
  earpieceFiles: Map<string, string>;
  /** Handset sound devices on real boards (ALSA), per handset, open or not (`isOpened()`). */
  soundDevices: Map<string, ExtraAudioDevice>;
  /** Each ALSA handset's line, in service only while its sound device is open. */
  handsetAudio: Map<string, HandsetAudio>;
  stop(): Promise<void>;
}

/**
 * Opens the board, the SIP endpoint and the audio paths, and starts the daemon.
 *
 * Opening the board arms the hardware watchdog, and the daemon is what kicks it, so nothing slow
 * stands between the two: handsets' sound devices are opened all at once, beside the daemon's
 * start, each bounded by its start timeout (and a stuck process by the kill wait), and a handset
 * comes into service as its device opens (firmware/handset-audio.ts). startFirmware returns once
 * every device has opened or failed its first attempt; failed ones are retried in the background.
 */
export async function startFirmware(o: FirmwareRuntimeOptions): Promise<FirmwareRuntime> {
  const clock = o.clock ?? new SystemClock();
  const description = o.boardDescription ?? describeBoard(o.board);
  const cleanups: (() => Promise<void>)[] = [];
  const sim = description.name === "sim" ? new SimBoard(description, clock) : undefined;
  const io = sim ? await sim.open() : await openBoard(description, o.boardOptions);
  cleanups.push(() => io.close());
  const accounts = new Map<string, Account>();
  const earpieceFiles = new Map<string, string>();
  const soundDevices = new Map<string, ExtraAudioDevice>();
  const handsetAudio = new Map<string, HandsetAudio>();
  const lines = new Map<string, HandsetLine>();
  const earpieces = new Map<string, Earpiece>();
  let endpoint: Endpoint | undefined;
  try {
    if (o.sip) {
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
      // The sim board's WAV files live here; a board whose handsets all use ALSA writes none.
      if (io.handsets.some((h) => h.audio.kind !== "alsa")) await mkdir(audioDir, { recursive: true });
      const recorders: AudioMediaRecorder[] = [];
      cleanups.unshift(async () => {
        for (const a of handsetAudio.values()) a.stop();
        await Promise.all([...soundDevices.values()].map((d) => d.close().catch(() => undefined)));
        for (const r of recorders) await r.close().catch(() => undefined);
      });
      for (const h of io.handsets) {
        // The handset's audio: WAV files on the simulated board, its ALSA device on a real one.
        let earpiece: AudioMedia;
        let mic: AudioMedia | undefined;
        let dev: ExtraAudioDevice | undefined;
        if (h.audio.kind === "alsa") {
          // Playback is the earpiece, capture the microphone (the same PCM unless the
          // description names another for capture). Opened below, with the others.
          dev = ep.createExtraAudioDevice({
            playbackDevice: h.audio.device,
            captureDevice: h.audio.captureDevice ?? h.audio.device,
          });
          soundDevices.set(h.id, dev);
          earpiece = dev;
          mic = dev;
        } else {
          const earFile = join(audioDir, `${h.id}-earpiece.wav`);
          const recorder = await ep.createRecorder(earFile);
          recorders.push(recorder);
          earpieceFiles.set(h.id, earFile);
          earpiece = recorder.left;
          const micFile = join(audioDir, `${h.id}-mic.wav`);
          if (existsSync(micFile)) {
            const player = ep.createPlayer();
            player.on("end", () => player.enqueue([micFile])); // the inmate keeps talking
            player.enqueue([micFile]);
            mic = player;
          }
        }
        const user = `${o.boardId}-${h.id}`;
        const account = ep.accountCreate({
          idUri: `sip:${user}@${domain}`,
          ...(sip.register !== false ? { registrarUri: `sip:${sip.controller}`, registerExpires: 300 } : {}),
          ...(sip.password ? { credentials: [{ realm: "*", username: user, password: sip.password }] } : {}),
        });
        accounts.set(h.id, account);
        if (sip.register !== false)
          account.register().catch((err: Error) => o.log?.(`${user}: register failed`, err.message));
        const sipLine = new SipHandsetLine({
          account,
          ringdownUri: sip.ringdownUri ?? `sip:ringdown@${sip.controller}`,
          earpiece,
          ...(mic ? { microphone: mic } : {}),
          ...(o.onCall ? { onCall: (c: Call) => o.onCall?.(h.id, c) } : {}),
          clock,
          ...(o.log ? { log: o.log } : {}),
        });
        if (dev) {
          const audio = new HandsetAudio({
            handset: h.id,
            device: dev,
            line: sipLine,
            clock,
            ...(o.soundRetryMs !== undefined ? { retryMs: o.soundRetryMs } : {}),
            ...(o.log ? { log: o.log } : {}),
          });
          handsetAudio.set(h.id, audio);
          lines.set(h.id, audio);
        } else {
          lines.set(h.id, sipLine);
        }
        const prompt = o.unavailablePrompt;
        earpieces.set(
          h.id,
          new BridgeEarpiece({
            tones: ep.createToneGenerator(),
            sink: earpiece,
            ...(prompt ? { player: ep.createPlayer(), unavailablePrompt: prompt } : {}),
          }),
        );
      }
    }
    // The daemon sees sound-device faults beside the board's own (health, alerts).
    const board: BoardIo = {
      ...io,
      faults: () => [...io.faults(), ...[...handsetAudio.values()].flatMap((a) => a.faults())],
    };
    // All sound devices at once, while the daemon starts (and with it the watchdog's kicks).
    const firstOpen = Promise.all([...handsetAudio.values()].map((a) => a.start()));
    const daemon = await FirmwareDaemon.start({
      board,
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
    await firstOpen;
    let controlPort: number | undefined;
    if (sim && o.sim?.controlPort !== undefined) {
      const ctl = await startControlServer(sim, {
        port: o.sim.controlPort,
        status: () => ({
          available: daemon.serviceAvailable,
          link: daemon.link?.up ?? false,
          handsets: Object.fromEntries([...daemon.handsets].map(([id, h]) => [id, h.state])),
          killed: Object.keys(daemon.kills.killed()),
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
      io: board,
      ...(sim ? { sim } : {}),
      ...(controlPort !== undefined ? { controlPort } : {}),
      ...(endpoint ? { endpoint } : {}),
      accounts,
      earpieceFiles,
      soundDevices,
      handsetAudio,
      stop: async () => {
        for (const c of cleanups) await c().catch((err) => o.log?.("stop step failed", err));
      },
    };
  } catch (err) {
    for (const c of cleanups) await c().catch(() => undefined);
    throw err;
  }
}
