/**
 * The facility controller, assembled: one agency's store, the call path (SIP registrar and
 * back-to-back user agent), the phone banks' link, alerts, and the HTTP API with the admin UI.
 * `startController()` is what `controller/main.ts` and the lab run; tests start it on port 0.
 */
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { type Clock, SystemClock } from "../telephony/clock.ts";
import { createAccess } from "./access/access.ts";
import type { AccessTables } from "./access/tables.ts";
import { AlertService } from "./alerts/alert-service.ts";
import { AlertStore } from "./alerts/alert-store.ts";
import { bankLinkAlerts } from "./alerts/bank-link-alerts.ts";
import { bridgeCallEvents } from "./alerts/call-events-bridge.ts";
import type { AlertChannel } from "./alerts/channels/channel.ts";
import { EmailChannel, EmailToPagerChannel, type SmtpSettings } from "./alerts/channels/email.ts";
import { SnppChannel, type SnppSettings } from "./alerts/channels/snpp.ts";
import { WctpChannel, type WctpSettings } from "./alerts/channels/wctp.ts";
import { type AlertConfig, type ChannelKind, defaultAlertConfig } from "./alerts/config.ts";
import { AlertConfigStore } from "./alerts/config-schema.ts";
import { HeartbeatWatch } from "./alerts/health-watch.ts";
import { buildApp } from "./api/app.ts";
import { KillSwitchPush, loadKillView } from "./banks/kill-push.ts";
import { BankServer } from "./banks/server.ts";
import { type CallService, startCallService, type TrunkRoutes } from "./call-service.ts";
import type { FlowConfig } from "./calls/call-session.ts";
import { seedDemoAgency } from "./domain/seed.ts";
import { ReportScheduler, SmtpReportMailer } from "./reports-schedule/report-scheduler.ts";
import { openStore, type StoreConfig } from "./store/database.ts";
import { type DomainStore, domainStoreOf } from "./store/domain-store.ts";

export interface ControllerConfig {
  dataDir: string;
  /** Default: SQLite in `<dataDir>/yardline.db`. */
  store?: StoreConfig;
  sip: { host: string; port: number; publicAddress?: string };
  trunk: TrunkRoutes;
  http: { host: string; port: number };
  /** The phone banks' WebSocket link. */
  banks: { host: string; port: number };
  /** Derives each phone bank's SIP password (call-service.ts `bankPassword`). */
  sipSecret: string;
  /** Facility the phone banks of this controller belong to (alerts). */
  facilityId?: string;
  /** Load the demo agency when the store is empty (the lab). */
  seedDemo?: boolean;
  /** Create this administrator when no user exists yet. */
  admin?: { username: string; password: string };
  /** Email and email-to-pager gateways (SMTP). */
  smtp?: SmtpSettings & { from: string };
  /** Pager carriers: SNPP (RFC 1861) and WCTP (XML over HTTP). */
  snpp?: SnppSettings;
  wctp?: WctpSettings;
  alerts?: AlertConfig;
  publicBaseUrl?: string;
  webRoot?: string;
  flow?: Partial<FlowConfig>;
  promptsDir?: string;
  clock?: Clock;
  log?: (msg: string) => void;
}

export interface Controller {
  readonly ds: DomainStore;
  readonly calls: CallService;
  readonly banks: BankServer;
  /** Pushes software kill switches and calling hours to the boards (banks/kill-push.ts). */
  readonly killSwitches: KillSwitchPush;
  readonly alerts: AlertService;
  readonly app: FastifyInstance;
  readonly httpUrl: string;
  readonly sipPort: number;
  readonly banksPort: number;
  stop(): Promise<void>;
}

/** How long a phone bank may stay silent before it counts as offline (its health reports come every 10 s). */
const BANK_SILENCE_MS = 45_000;

export async function startController(cfg: ControllerConfig): Promise<Controller> {
  const clock = cfg.clock ?? new SystemClock();
  const log = cfg.log ?? (() => {});
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        log(`stop: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  try {
    const store = await openStore<unknown>(
      cfg.store ?? { kind: "sqlite", file: path.join(cfg.dataDir, "yardline.db") },
    );
    stops.push(() => store.close());
    const ds = await domainStoreOf(store);
    const facilityId = cfg.facilityId ?? "demo-facility";
    if (cfg.seedDemo) {
      const seed = await seedDemoAgency(ds, clock.now());
      if (seed.created) log("demo agency seeded");
    }

    // Alerts first: the other parts report to them from their first moment.
    const channels: Partial<Record<ChannelKind, AlertChannel>> = {};
    if (cfg.smtp) {
      channels.email = new EmailChannel(cfg.smtp);
      channels["email-pager"] = new EmailToPagerChannel(cfg.smtp);
    }
    if (cfg.snpp) channels.snpp = new SnppChannel(cfg.snpp);
    if (cfg.wctp) channels.wctp = new WctpChannel(cfg.wctp);
    // Routing as an administrator last saved it, else as configured, else nobody is paged
    // (alerts still show live in the UI).
    const alertConfig = AlertConfigStore.from(store);
    const savedRouting = (await alertConfig.load())?.config;
    const alerts = new AlertService({
      clock,
      store: AlertStore.from(store),
      channels,
      config: savedRouting ?? cfg.alerts ?? defaultAlertConfig,
      publicBaseUrl: cfg.publicBaseUrl ?? `http://${cfg.http.host}:${cfg.http.port}`,
      onError: (where, err) => log(`alerts: ${where}: ${err instanceof Error ? err.message : String(err)}`),
    });
    await alerts.start();
    stops.push(() => alerts.stop());

    // Phone banks: their link, and what it means for alerts.
    const banks = new BankServer({ clock, log: (m) => log(`banks: ${m}`) });
    const banksPort = await banks.listen(cfg.banks.port, cfg.banks.host);
    stops.push(() => banks.close());
    const watch = new HeartbeatWatch({ clock, alerts, facilityId, timeoutMs: BANK_SILENCE_MS });
    const linkAlerts = bankLinkAlerts({ facilityId, watch, alerts });
    stops.push(
      banks.on("board-connected", (e) => watch.beat(e.boardId)),
      banks.on("event", (e) =>
        linkAlerts.message(e.boardId, { type: "event", seq: e.seq, at: e.at, event: e.event } as never),
      ),
      banks.on("health", (e) => watch.beat(e.boardId)),
      banks.on("board-disconnected", (e) => linkAlerts.closed(e.boardId)),
    );
    const killSwitches = new KillSwitchPush({ banks, ds, load: () => loadKillView(ds), log });
    killSwitches.start();
    stops.push(() => killSwitches.stop());

    // The call path.
    const calls = await startCallService({
      ds,
      dataDir: cfg.dataDir,
      sip: cfg.sip,
      trunk: cfg.trunk,
      sipSecret: cfg.sipSecret,
      clock,
      log,
      ...(cfg.flow ? { flow: cfg.flow } : {}),
      ...(cfg.promptsDir ? { promptsDir: cfg.promptsDir } : {}),
    });
    stops.push(() => calls.stop());
    stops.push(bridgeCallEvents(calls.bus, alerts));

    // The API and the admin UI.
    const access = createAccess(store.db as never as import("kysely").Kysely<AccessTables>, clock);
    if (cfg.admin) await access.bootstrap(cfg.admin);
    const app = await buildApp({
      clock,
      access,
      domain: ds,
      live: {
        calls: calls.calls,
        events: calls.bus,
        banks,
        monitors: calls.monitors,
        stations: { directory: calls.stations, registered: (account) => calls.stationRegistered(account) },
      },
      recordings: { dir: path.join(cfg.dataDir, "recordings") },
      alerts,
      alertConfig,
      ...(cfg.webRoot ? { webRoot: cfg.webRoot } : {}),
    });
    const httpUrl = await app.listen({ host: cfg.http.host, port: cfg.http.port });
    stops.push(() => app.close());

    // Automatic reports go out by the same mail server as the alert emails.
    if (cfg.smtp) {
      const reportsOut = new ReportScheduler({
        ds,
        access,
        clock,
        mailer: new SmtpReportMailer(cfg.smtp),
        log: (m) => log(`reports: ${m}`),
      });
      reportsOut.start();
      stops.push(() => reportsOut.stop());
    }

    return {
      ds,
      calls,
      banks,
      killSwitches,
      alerts,
      app,
      httpUrl,
      sipPort: calls.sipPort,
      banksPort,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
