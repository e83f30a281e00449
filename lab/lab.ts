/**
 * The lab: the controller, one simulated phone bank (the real firmware on the `sim` board, as a
 * child process) and a simulated trunk, on embedded defaults (SQLite, files under `.lab/`).
 * `npm start` runs it until Ctrl-C; `npm run demo` and the tests start it on free ports.
 *
 * Ports and addresses come from the environment (see README): YARDLINE_HOST, YARDLINE_HTTP_PORT,
 * YARDLINE_SIP_PORT, YARDLINE_BANKS_PORT, YARDLINE_SIM_PORT, YARDLINE_TRUNK_HOST,
 * YARDLINE_TRUNK_PORT (an external trunk: the simulated one is then not started), YARDLINE_DATA.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import path from "node:path";
import { bankPassword } from "../controller/call-service.ts";
import { type Controller, startController } from "../controller/controller.ts";
import type { FlowConfig } from "../controller/calls/call-session.ts";
import { DEMO_PHONE_BANK_ID } from "../controller/domain/seed.ts";
import { SystemClock } from "../telephony/clock.ts";
import { createEndpoint, type YardlineEndpoint } from "../telephony/ua/endpoint.ts";
import { buildWeb } from "../web/build.ts";
import { SimTrunk } from "./sim-trunk.ts";

export const ROOT = path.join(import.meta.dirname, "..");

export interface LabOptions {
  dataDir: string;
  host: string;
  httpPort: number;
  sipPort: number;
  banksPort: number;
  simPort: number;
  /** An external trunk; when absent the simulated trunk runs on `trunkPort`. */
  trunkHost?: string;
  trunkPort: number;
  /** Numbers routed to other SIP peers than the trunk (e.g. a test's SIPp called party). */
  trunkRoutes?: ReadonlyArray<{ prefix: string; host: string; port: number }>;
  adminPassword: string;
  /** Derives the phone bank's SIP password; random per run when absent. */
  sipSecret?: string;
  /** Serve the admin UI (default true); the call tests leave it out and need no UI build. */
  serveUi?: boolean;
  /** Build the web UI first (skipped when web/dist exists and `buildUi` is not true). */
  buildUi?: boolean;
  /** Seconds the simulated called party waits before answering the acceptance prompt. */
  trunkAnswerDelaySec?: number;
  flow?: Partial<FlowConfig>;
  log?: (msg: string) => void;
}

export interface Lab {
  controller: Controller;
  trunk?: SimTrunk;
  firmware: ChildProcess;
  simUrl: string;
  httpUrl: string;
  opts: LabOptions;
  /** The phone bank loses power: its firmware process is killed (SIGKILL). */
  unplugFirmware(): Promise<void>;
  /** Starts the phone bank's firmware again (after `unplugFirmware`, or to restart it). */
  restartFirmware(): Promise<void>;
  /** Stops the controller (the phone bank keeps running, without it). */
  stopController(): Promise<void>;
  /** Starts the controller again on the same ports and data (after `stopController`). */
  startController(): Promise<void>;
  /** Resolves when the kill switches and calling hours of the last change have reached the bank. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Where `freePort` looks: above Linux's ephemeral range (32768–60999), so no port-0 bind of this
 * or another process (RTP sockets, outgoing connections: dozens at a time in the call tests)
 * lands on a port between our check and the lab's bind, as a port handed out by the kernel
 * from that range could (seen: the lab's trunk port taken by another test's RTP socket). Below
 * it, 12000–31999 belong to the called-party and user-agent tests' peers.
 */
const FREE_PORT_MIN = 61000;
const FREE_PORT_MAX = 65499;
const handedOut = new Set<number>();

function bindable(port: number, host: string): Promise<boolean> {
  const tcp = new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
  return tcp.then(
    (ok) =>
      ok &&
      new Promise<boolean>((resolve) => {
        const udp = createSocket("udp4");
        udp.once("error", () => {
          udp.close();
          resolve(false);
        });
        udp.bind(port, host, () => udp.close(() => resolve(true)));
      }),
  );
}

/**
 * A port on `host` free for both TCP and UDP (the lab binds its SIP and trunk ports as UDP, its
 * HTTP, bank-link and sim ports as TCP), chosen at random above the ephemeral range and never
 * handed out twice in one process.
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = FREE_PORT_MIN + Math.floor(Math.random() * (FREE_PORT_MAX - FREE_PORT_MIN + 1));
    if (handedOut.has(port)) continue;
    if (await bindable(port, host)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error("no free port found");
}

/** The five ports a lab binds on `host` (HTTP, SIP, bank link, sim control surface, trunk), all free. */
export async function freeLabPorts(
  host = "127.0.0.1",
): Promise<Pick<LabOptions, "httpPort" | "sipPort" | "banksPort" | "simPort" | "trunkPort">> {
  return {
    httpPort: await freePort(host),
    sipPort: await freePort(host),
    banksPort: await freePort(host),
    simPort: await freePort(host),
    trunkPort: await freePort(host),
  };
}

export function labOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): LabOptions {
  const dataDir = path.resolve(env.YARDLINE_DATA ?? path.join(ROOT, ".lab"));
  mkdirSync(dataDir, { recursive: true });
  // The lab's secrets live in its data directory, made once; a real controller is configured.
  const secretsFile = path.join(dataDir, "lab-secrets.json");
  if (!existsSync(secretsFile)) {
    writeFileSync(
      secretsFile,
      JSON.stringify({ sipSecret: randomBytes(16).toString("hex"), adminPassword: "yardline-lab-admin" }, null, 2),
      { mode: 0o600 },
    );
  }
  const secrets = JSON.parse(readFileSync(secretsFile, "utf8")) as { sipSecret: string; adminPassword: string };
  const num = (v: string | undefined, d: number) => (v ? Number(v) : d);
  return {
    dataDir,
    host: env.YARDLINE_HOST ?? "127.0.0.1",
    httpPort: num(env.YARDLINE_HTTP_PORT, 8080),
    sipPort: num(env.YARDLINE_SIP_PORT, 5060),
    banksPort: num(env.YARDLINE_BANKS_PORT, 8081),
    simPort: num(env.YARDLINE_SIM_PORT, 7070),
    ...(env.YARDLINE_TRUNK_HOST ? { trunkHost: env.YARDLINE_TRUNK_HOST } : {}),
    trunkPort: num(env.YARDLINE_TRUNK_PORT, 5090),
    adminPassword: env.YARDLINE_ADMIN_PASSWORD ?? secrets.adminPassword,
    sipSecret: secrets.sipSecret,
  };
}

export async function startLab(opts: LabOptions): Promise<Lab> {
  const log = opts.log ?? ((m: string) => console.log(m));
  const sipSecret = opts.sipSecret ?? randomBytes(16).toString("hex");
  const webRoot = path.join(ROOT, "web", "dist");
  const serveUi = opts.serveUi ?? true;
  if (serveUi && (opts.buildUi || !existsSync(path.join(webRoot, "index.html")))) {
    log("building the web UI ...");
    await buildWeb(webRoot);
  }

  log("starting the controller (prompts are built on first start) ...");
  // The same configuration on every start, so a restarted controller is found where it was.
  const startCtl = (): Promise<Controller> =>
    startController({
      dataDir: opts.dataDir,
      sip: { host: opts.host, port: opts.sipPort },
      trunk: {
        host: opts.trunkHost ?? opts.host,
        port: opts.trunkPort,
        ...(opts.trunkRoutes ? { routes: opts.trunkRoutes } : {}),
      },
      http: { host: opts.host, port: opts.httpPort },
      banks: { host: opts.host, port: opts.banksPort },
      sipSecret,
      seedDemo: true,
      admin: { username: "admin", password: opts.adminPassword },
      ...(serveUi ? { webRoot } : {}),
      promptsDir: path.join(opts.dataDir, "prompts"),
      ...(opts.flow ? { flow: opts.flow } : {}),
      log,
    });
  let controller = await startCtl();
  let controllerUp = true;
  // A lab that fails half-way stops what it started, or the test process could never exit.
  let trunkEp: YardlineEndpoint | undefined;
  const orCleanUp = async <T>(step: Promise<T>): Promise<T> => {
    try {
      return await step;
    } catch (err) {
      await trunkEp?.libDestroy().catch(() => {});
      await controller.stop().catch(() => {});
      throw err;
    }
  };

  // The simulated trunk: a SIP peer standing in for the public network.
  let trunk: SimTrunk | undefined;
  if (!opts.trunkHost) {
    trunkEp = createEndpoint({ userAgent: "Yardline lab trunk" });
    await orCleanUp(trunkEp.transportCreate("udp", { host: opts.host, port: opts.trunkPort }));
    const account = trunkEp.accountCreate({ idUri: `sip:trunk@${opts.host}` });
    // Through `lab`, so a restarted controller's calls are the ones watched.
    const calls = () => lab.controller.calls;
    trunk = new SimTrunk(account, {
      endpoint: trunkEp,
      clock: new SystemClock(),
      ...(opts.trunkAnswerDelaySec !== undefined ? { answerDelaySec: opts.trunkAnswerDelaySec } : {}),
      menuHeard: (number) =>
        new Promise<void>((resolve) => {
          // Also settles when the call ends before its menu, so no listener outlives its call.
          const done = () => {
            offMenu();
            offEnd();
            resolve();
          };
          const svc = calls();
          const offMenu = svc.bus.on("call.awaitingAcceptance", ({ callId }) => {
            if (svc.calls.session(callId)?.decision?.destination === number) done();
          });
          const offEnd = svc.bus.on("call.ended", (c) => {
            if (c.numberCalled === number) done();
          });
        }),
      log,
    });
  }

  // The phone bank: the real firmware on the simulated board, as its own process.
  // `--import tsx` keeps the firmware in this one child process (the tsx CLI would fork again).
  const firmwareArgs = [
    "--import",
    "tsx",
    path.join(ROOT, "firmware", "main.ts"),
    "--board",
    "sim",
    "--board-id",
    DEMO_PHONE_BANK_ID,
    "--controller",
    `ws://${opts.host}:${controller.banksPort}`,
    "--sip",
    `${opts.host}:${controller.sipPort}`,
    "--sip-bind",
    `${opts.host}:0`,
    "--control-port",
    String(opts.simPort),
    "--journal",
    path.join(opts.dataDir, "journal", `${DEMO_PHONE_BANK_ID}.json`),
    "--audio-dir",
    path.join(opts.dataDir, "audio", DEMO_PHONE_BANK_ID),
  ];
  const simUrl = `http://${opts.host}:${opts.simPort}`;
  const startFirmware = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, firmwareArgs, {
      cwd: ROOT,
      env: { ...process.env, YARDLINE_SIP_PASSWORD: bankPassword(sipSecret, DEMO_PHONE_BANK_ID) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const prefix = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) log(`firmware: ${line}`);
    };
    child.stdout?.on("data", prefix);
    child.stderr?.on("data", prefix);
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`firmware exited with code ${child.exitCode}`);
          const res = await fetch(`${simUrl}/state`).catch(() => undefined);
          return res?.ok === true;
        },
        30_000,
        "the simulated phone bank's control surface",
      );
      await waitFor(
        async () => controller.calls.registrations().length >= 8,
        30_000,
        "the phone bank's eight handsets to register",
      );
      // And its link up (on a busy machine SIP can register first), with the kill switches and
      // calling hours pushed on connection applied.
      await waitFor(
        () => controller.banks.state(DEMO_PHONE_BANK_ID)?.connected === true,
        30_000,
        "the phone bank's link to the controller",
      );
      await controller.killSwitches.settled();
    } catch (err) {
      await stopFirmware(child, "SIGKILL");
      throw err;
    }
    return child;
  };
  const stopFirmware = async (child: ChildProcess, signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    process.kill(child.pid, signal);
    const timer = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, "SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };

  let firmware = await orCleanUp(startFirmware());
  let stopped = false;
  const lab: Lab = {
    controller,
    ...(trunk ? { trunk } : {}),
    firmware,
    simUrl,
    httpUrl: controller.httpUrl,
    opts,
    async unplugFirmware() {
      await stopFirmware(firmware, "SIGKILL");
    },
    async restartFirmware() {
      await stopFirmware(firmware, "SIGTERM");
      firmware = await startFirmware();
      lab.firmware = firmware;
    },
    async stopController() {
      if (!controllerUp) return;
      controllerUp = false;
      await controller.stop();
    },
    async startController() {
      if (controllerUp) return;
      controller = await startCtl();
      controllerUp = true;
      lab.controller = controller;
      lab.httpUrl = controller.httpUrl;
    },
    settled() {
      return controller.killSwitches.settled();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopFirmware(firmware, "SIGTERM");
      if (controllerUp) await controller.stop();
      await trunkEp?.libDestroy();
    },
  };
  return lab;
}

export async function waitFor(check: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Drives the simulated phone bank's control surface (what a person at the bank does). */
export async function sim(simUrl: string, route: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${simUrl}${route}`, {
    method: body === undefined && route === "/state" ? "GET" : "POST",
    ...(body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`sim ${route}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}
