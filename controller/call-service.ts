/**
 * The controller's call path, assembled: the SIP endpoint (registrar for the handsets, the
 * account that takes their calls, the account that calls the trunk), the prompt library, the
 * recording vault and its signing key, the domain snapshots, and the call manager.
 *
 * Start-up first closes whatever a crash left open: call records still "in progress" and
 * recordings without a seal (repaired so they stay playable, sealed as "interrupted").
 */
import { createHmac, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { Account, Endpoint, Registration } from "../telephony/api.ts";
import { type Clock, SystemClock } from "../telephony/clock.ts";
import { createEndpoint } from "../telephony/ua/endpoint.ts";
import { CallManager, sipUser } from "./calls/call-manager.ts";
import { DEFAULT_FLOW_CONFIG, type FlowConfig } from "./calls/call-session.ts";
import { DomainCallPorts } from "./calls/domain-ports.ts";
import { CallEventBus } from "./calls/events.ts";
import { MONITOR_STATION_ACCOUNT, MonitorStationDirectory } from "./calls/monitor-station-directory.ts";
import { MonitorStations } from "./calls/monitor-stations.ts";
import type { Bilingual, StationInfo } from "./calls/ports.ts";
import { FileVault } from "./calls/vault.ts";
import { SnapshotCache } from "./domain/load-snapshot.ts";
import { buildPrompts } from "./prompts/build-prompts.ts";
import { PromptLibrary } from "./prompts/library.ts";
import { unsealedRecordings, writeSeal } from "./recordings/integrity.ts";
import { recoverRecording } from "./recordings/repair.ts";
import { loadOrCreateSigningKey } from "./recordings/signing-key.ts";
import { recoverInterruptedCalls } from "./store/call-records.ts";
import type { DomainStore } from "./store/domain-store.ts";

export interface CallServiceOptions {
  ds: DomainStore;
  dataDir: string;
  /** Where the handsets send SIP (and the controller's own address in Contact/SDP). */
  sip: { host: string; port: number; publicAddress?: string };
  /**
   * The trunk: an E.164 number is reached at sip:<number>@host:port, or through the route whose
   * E.164 prefix is the longest match (a carrier per destination, or a test's called party).
   */
  trunk: TrunkRoutes;
  /** Secret from which each phone bank's SIP password is derived (see `bankPassword`). */
  sipSecret: string;
  realm?: string;
  providerName?: string;
  flow?: Partial<FlowConfig>;
  clock?: Clock;
  /** Generated prompts; shared between runs so they are built once. */
  promptsDir?: string;
  killed?: (station: StationInfo) => Bilingual | undefined;
  /** A leg that sends no RTP for this long is ended (default 120 s). */
  rtpTimeoutMs?: number;
  log?: (msg: string) => void;
}

export interface TrunkRoutes {
  host: string;
  port: number;
  routes?: ReadonlyArray<{ prefix: string; host: string; port: number }>;
}

/** The SIP URI that reaches `e164`: the longest matching route's peer, else the default trunk. */
export function trunkUri(t: TrunkRoutes, e164: string): string {
  let best: { prefix: string; host: string; port: number } | undefined;
  for (const r of t.routes ?? []) {
    if (e164.startsWith(r.prefix) && (!best || r.prefix.length > best.prefix.length)) best = r;
  }
  const peer = best ?? t;
  return `sip:${e164}@${peer.host}:${peer.port}`;
}

export interface CallService {
  readonly endpoint: Endpoint;
  readonly sipPort: number;
  readonly calls: CallManager;
  /** Officers' monitoring stations, called and attached to calls on request. */
  readonly monitors: MonitorStations;
  /** The monitoring stations administrators set up (with their own SIP credentials). */
  readonly stations: MonitorStationDirectory;
  /** Whether a monitoring station's account is registered now (and not revoked). */
  stationRegistered(account: string): boolean;
  readonly bus: CallEventBus;
  readonly ports: DomainCallPorts;
  readonly prompts: PromptLibrary;
  readonly vault: FileVault;
  readonly publicKeyPem: string;
  /** Records closed and recordings sealed as interrupted at start-up. */
  readonly recovered: { records: string[]; recordings: string[] };
  registrations(): Registration[];
  stop(): Promise<void>;
}

/** Unsealed recordings in the vault's date folders (first-use names are not call recordings). */
async function unsealedUnder(dir: string): Promise<string[]> {
  const out = await unsealedRecordings(dir);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== "names") out.push(...(await unsealedUnder(path.join(dir, entry.name))));
  }
  return out;
}

/**
 * A phone bank's SIP password, shared by its handsets: HMAC-SHA256(secret, bank id), so no
 * password table is kept and a bank's password can be handed to its board at installation.
 */
export function bankPassword(secret: string, bankId: string): string {
  return createHmac("sha256", secret).update(bankId).digest("base64url").slice(0, 24);
}

/**
 * The URI a registered monitoring station is called at: its Contact when that names the host
 * its authenticated REGISTER came from (a phone often listens on another port than it sends
 * from), otherwise that source address itself; so a station's credential cannot point live
 * audio at another host.
 */
export function stationCallUri(account: string, r: Registration): string {
  const contactHost = /^<?sips?:(?:[^@;>]*@)?(\[[^\]]+\]|[^:;>]+)/i.exec(r.contact)?.[1]?.replace(/^\[|\]$/g, "");
  if (contactHost !== undefined && contactHost.toLowerCase() === r.source.address.toLowerCase()) return r.contact;
  const host = r.source.address.includes(":") ? `[${r.source.address}]` : r.source.address;
  return `sip:${account}@${host}:${r.source.port}${r.source.transport === "udp" ? "" : `;transport=${r.source.transport}`}`;
}

export async function startCallService(opts: CallServiceOptions): Promise<CallService> {
  const clock = opts.clock ?? new SystemClock();
  const log = opts.log ?? (() => {});
  const ds = opts.ds;
  const recordingsDir = path.join(opts.dataDir, "recordings");
  const key = loadOrCreateSigningKey(path.join(opts.dataDir, "keys"));

  // 1. What a crash left behind.
  const records = await recoverInterruptedCalls(ds, clock.now());
  const recordings: string[] = [];
  if (existsSync(recordingsDir)) {
    for (const file of await unsealedUnder(recordingsDir)) {
      const callId = path.basename(file, ".wav");
      const row = await ds.db.selectFrom("callRecords").select("startedAt").where("id", "=", callId).executeTakeFirst();
      const r = await recoverRecording(file, { callId, startedAt: row?.startedAt ?? 0 }, key, clock);
      if (r.seal) {
        await writeSeal(file, r.seal);
        recordings.push(callId);
        await ds.db
          .updateTable("callRecords")
          .set({ recordingFile: file, recordingHash: r.seal.sha256, recordingSignature: r.seal.signature })
          .where("id", "=", callId)
          .where("privileged", "=", 0)
          .execute();
      }
    }
  }
  if (records.length || recordings.length) {
    log(`recovered after a restart: ${records.length} call record(s), ${recordings.length} recording(s)`);
  }

  // 2. Prompts (built once, by content hash) and the rules.
  const promptsDir = opts.promptsDir ?? path.join(opts.dataDir, "prompts");
  await buildPrompts(promptsDir);
  const prompts = new PromptLibrary({
    generatedDir: promptsDir,
    overrideDir: path.join(opts.dataDir, "prompt-overrides"),
  });
  const cache = new SnapshotCache(ds);
  // A station, phone bank, housing unit or facility switched off (a software kill switch) ends
  // the calls in progress there, not only the next ones.
  let applyKillSwitches = (_facilityId: string | null) => {};
  const ports = new DomainCallPorts({ ds, cache, killed: opts.killed, onRefreshed: (f) => applyKillSwitches(f) });
  await ports.refresh();

  // 3. SIP: registrar for the handsets, one account for their calls, one towards the trunk.
  // Called parties often send no RTP while they listen to the announcement (phones with
  // silence suppression and no comfort noise), which lasts over half a minute: the media timeout
  // must outlast it, or acceptance would never be reached.
  const endpoint = createEndpoint(
    { clock, userAgent: "Yardline controller" },
    { rtpTimeoutMs: opts.rtpTimeoutMs ?? 120_000 },
  );
  const { port: sipPort } = await endpoint.transportCreate("udp", {
    host: opts.sip.host,
    port: opts.sip.port,
    ...(opts.sip.publicAddress ? { publicAddress: opts.sip.publicAddress } : {}),
  });
  const realm = opts.realm ?? "yardline";
  // Monitoring stations register with their own credentials (only its digests are stored), so
  // disabling a station or resetting its credential refuses it from then on.
  const stations = await MonitorStationDirectory.open(ds, realm, clock);
  endpoint.registrarStart(realm, (username, r) => {
    const station = ports.station(username);
    if (station) return { password: bankPassword(opts.sipSecret, station.bankId) };
    return MONITOR_STATION_ACCOUNT.test(username) ? stations.credential(username, r) : undefined;
  });
  const host = opts.sip.publicAddress ?? opts.sip.host;
  const handsets: Account = endpoint.accountCreate({ idUri: `sip:controller@${host}` });
  const trunkAccount: Account = endpoint.accountCreate({
    idUri: `sip:yardline@${host}`,
    registrarUri: undefined,
    inbandDtmf: true,
  });

  const bus = new CallEventBus((event, err) => log(`observer of ${event} failed: ${String(err)}`));
  bus.on("flow.error", (e) => log(`call ${e.callId}: ${e.fatal ? "failed" : "problem"} in ${e.step}: ${e.error}`));
  const vault = new FileVault(recordingsDir, key, clock);
  let channel = 0;
  const calls = new CallManager({
    clock,
    media: endpoint,
    trunk: { account: trunkAccount, uriFor: (e164) => trunkUri(opts.trunk, e164) },
    rules: ports,
    records: ports,
    prompts,
    vault,
    bus,
    config: { ...DEFAULT_FLOW_CONFIG, ...opts.flow },
    providerName: opts.providerName ?? "Yardline",
    newCallId: () => randomUUID(),
    recorderChannel: () => (channel = (channel % 9999) + 1),
  });
  calls.listen(handsets);
  calls.refuseInbound(trunkAccount);
  // Monitoring stations are called from their own account; nothing may call in on it.
  const monitorAccount: Account = endpoint.accountCreate({ idUri: `sip:monitoring@${host}` });
  calls.refuseInbound(monitorAccount);
  // Bindings a station made before it was disabled or its credential reset stay in the
  // registrar until they expire; they are never called again.
  const revokedBindings = new Set<string>();
  const bindingKey = (r: Registration) => `${r.aor}|${r.contact}|${r.expiresAt}`;
  const bindingsOf = (account: string) => endpoint.registrations().filter((r) => sipUser(r.aor) === account);
  const stationUri = (account: string) => {
    const r = bindingsOf(account)
      .filter((b) => !revokedBindings.has(bindingKey(b)))
      .sort((a, b) => b.expiresAt - a.expiresAt)[0];
    return r ? stationCallUri(account, r) : undefined;
  };
  const monitors = new MonitorStations({
    clock,
    account: monitorAccount,
    session: (callId) => calls.session(callId),
    stations,
    registered: stationUri,
    bus,
    newId: () => randomUUID(),
  });
  const offRevoked = stations.onRevoked((station, why) => {
    for (const r of bindingsOf(station.account)) revokedBindings.add(bindingKey(r));
    monitors.endStation(
      station.id,
      why === "disabled" ? "The monitoring station was disabled" : "The monitoring station's credential was reset",
    );
  });
  // Only the facility that changed was reloaded: the calls elsewhere read the same rules as before.
  applyKillSwitches = (facilityId) => {
    for (const live of calls.live()) {
      if (facilityId !== null && live.facilityId !== facilityId) continue;
      const session = calls.session(live.callId);
      if (!session) continue;
      const off = ports.stationEnabled(session.station, clock.now());
      if (off) calls.terminate(live.callId, `a kill switch (${off.en})`);
    }
  };

  return {
    endpoint,
    sipPort,
    calls,
    monitors,
    stations,
    stationRegistered: (account) => stationUri(account) !== undefined,
    bus,
    ports,
    prompts,
    vault,
    publicKeyPem: key.publicKeyPem,
    recovered: { records, recordings },
    registrations: () => endpoint.registrations(),
    async stop() {
      offRevoked();
      monitors.stopAll();
      await calls.stop();
      ports.stop();
      cache.stop();
      await endpoint.libDestroy();
    },
  };
}
