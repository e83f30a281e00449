/**
 * The endpoint (pjsua2 Endpoint): owns the SIP user agent, the media engine, the accounts and
 * the registrar, and routes incoming calls to accounts.
 *
 * Incoming INVITEs go to the account whose id URI user equals the Request-URI user; when none
 * does, to the first account created without a registrar (a trunk-like catch-all); when there
 * is none of those either, the INVITE is answered 404 Not Found.
 *
 * The SIP user agent is built when the first account (or the registrar) needs it, from the
 * transports created so far: create transports first, as pjsua2 does.
 */
import type {
  Account,
  AccountConfig,
  AudioMediaPlayer,
  AudioMediaRecorder,
  Endpoint,
  ExtraAudioDevice,
  EndpointConfig,
  Registration,
  RegistrarLookup,
  SoundDeviceConfig,
  ToneGenerator,
  TransportConfig,
  TransportType,
} from "../api.ts";
import { AlsaSoundDevice } from "../audio-device/alsa-device.ts";
import { SystemClock } from "../clock.ts";
import type { ConferenceBridge } from "../media/bridge.ts";
import { createMediaEngine } from "../media/engine.ts";
import type { MediaEngine } from "../media/engine-types.ts";
import type { IncomingInvite } from "../sip/incoming-invite.ts";
import { Registrar } from "../sip/registrar.ts";
import { TcpTransport } from "../sip/tcp-transport.ts";
import type { SipTransport } from "../sip/transport.ts";
import { UdpTransport } from "../sip/udp-transport.ts";
import { SipUri } from "../sip/uri.ts";
import { SipUserAgent } from "../sip/user-agent.ts";
import { type AccountHost, SipAccount } from "./account.ts";
import { type Log, SipCall } from "./call.ts";
import { TrackedClock } from "./tracked-clock.ts";

export const DEFAULT_USER_AGENT = "Yardline";

/** Things a test (or a target image) may put in place of the defaults. */
export interface EndpointDeps {
  /** The media engine; by default `createMediaEngine()` on the endpoint's clock. */
  mediaEngine?: MediaEngine;
  /** No RTP for this long ends a call ("RTP timeout"); the engine's default when absent. */
  rtpTimeoutMs?: number;
  /** SIP timer values (tests shorten T1 to see Timer B/F sooner). */
  sipTimers?: { T1?: number; T2?: number; T4?: number };
}

export interface YardlineEndpoint extends Endpoint {
  /** The endpoint's clock wrapper: timers still pending (0 after libDestroy). */
  pendingTimers(): number;
  /** The SIP user agent, once created (diagnostics and tests). */
  readonly sip: SipUserAgent | undefined;
  /** Calls not yet DISCONNECTED. */
  activeCalls(): number;
}

export function createEndpoint(cfg: EndpointConfig = {}, deps: EndpointDeps = {}): YardlineEndpoint {
  return new SipEndpoint(cfg, deps);
}

class SipEndpoint implements YardlineEndpoint {
  private readonly cfg: EndpointConfig;
  private readonly deps: EndpointDeps;
  private readonly clock: TrackedClock;
  private readonly log: Log;
  private readonly transports: SipTransport[] = [];
  private ua: SipUserAgent | undefined;
  private engine: MediaEngine | undefined;
  private registrar: Registrar | undefined;
  private readonly accounts: SipAccount[] = [];
  private readonly calls = new Set<SipCall>();
  private readonly soundDevices = new Set<ExtraAudioDevice>();
  private callSeq = 0;
  private destroyed = false;

  constructor(cfg: EndpointConfig, deps: EndpointDeps) {
    this.cfg = cfg;
    this.deps = deps;
    this.clock = new TrackedClock(cfg.clock ?? new SystemClock());
    this.log = cfg.log ?? (() => undefined);
  }

  get sip(): SipUserAgent | undefined {
    return this.ua;
  }

  pendingTimers(): number {
    return this.clock.pending();
  }

  activeCalls(): number {
    return this.calls.size;
  }

  async transportCreate(type: TransportType, tcfg: TransportConfig): Promise<{ port: number }> {
    this.alive();
    if (this.ua) throw new Error("transportCreate: create transports before accounts and the registrar");
    const opts = {
      host: tcfg.host,
      port: tcfg.port,
      log: this.log,
      ...(tcfg.publicAddress !== undefined ? { publicAddress: tcfg.publicAddress } : {}),
    };
    const t = type === "tcp" ? await TcpTransport.bind(opts) : await UdpTransport.bind(opts);
    this.transports.push(t);
    return { port: t.local.port };
  }

  private userAgent(): SipUserAgent {
    this.alive();
    if (this.ua) return this.ua;
    if (this.transports.length === 0) throw new Error("no transport: call transportCreate() first");
    const ua = new SipUserAgent({
      clock: this.clock,
      transports: this.transports,
      userAgent: this.cfg.userAgent ?? DEFAULT_USER_AGENT,
      log: this.log,
      ...(this.deps.sipTimers ? { timers: this.deps.sipTimers } : {}),
    });
    ua.on("invite", (inv) => this.onInvite(inv));
    this.ua = ua;
    return ua;
  }

  private media(): Promise<MediaEngine> {
    try {
      return Promise.resolve(this.engineNow());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The media engine, made on first use (creating it binds nothing). */
  private engineNow(): MediaEngine {
    this.alive();
    if (!this.engine) {
      const m = this.cfg.media ?? {};
      this.engine =
        this.deps.mediaEngine ??
        createMediaEngine({
          clock: this.clock,
          ...(m.codecs ? { codecs: m.codecs } : {}),
          ...(m.telephoneEventPt !== undefined ? { telephoneEventPt: m.telephoneEventPt } : {}),
          ...(m.rtpPortStart ? { rtpPortStart: m.rtpPortStart } : {}),
          log: this.log,
        });
    }
    return this.engine;
  }

  private host(): AccountHost {
    const ua = this.userAgent();
    const first = this.transports[0] as SipTransport;
    return {
      ua,
      clock: this.clock,
      log: this.log,
      mediaAddress: first.publicAddress === "0.0.0.0" ? "127.0.0.1" : first.publicAddress,
      rtpTimeoutMs: this.deps.rtpTimeoutMs,
      media: () => this.media(),
      nextCallId: () => ++this.callSeq,
      callStarted: (call) => this.calls.add(call),
      callEnded: (call) => this.calls.delete(call),
      accountDestroyed: (acc) => {
        const i = this.accounts.indexOf(acc);
        if (i >= 0) this.accounts.splice(i, 1);
      },
    };
  }

  accountCreate(acfg: AccountConfig): Account {
    const acc = new SipAccount(this.host(), acfg);
    this.accounts.push(acc);
    return acc;
  }

  /** Routes a new INVITE to an account (see the file comment). */
  private onInvite(inv: IncomingInvite): void {
    const ruri = inv.request.requestUri;
    const user = ruri instanceof SipUri ? ruri.user : undefined;
    const acc =
      this.accounts.find((a) => user !== undefined && a.user === user) ??
      this.accounts.find((a) => !a.config.registrarUri);
    if (!acc) {
      inv.reject(404);
      return;
    }
    const from = inv.request.headers.get("from") ?? "";
    const to = inv.request.headers.get("to") ?? "";
    const call = new SipCall(acc.callContext(), ++this.callSeq, "callee", stripTag(to), stripTag(from));
    call.receive(inv);
    acc.incoming(call);
  }

  registrarStart(realm: string, lookup: RegistrarLookup): void {
    const ua = this.userAgent();
    this.registrar?.close();
    this.registrar = new Registrar({ clock: this.clock, realm, lookup });
    ua.useRegistrar(this.registrar);
  }

  registrations(): Registration[] {
    return this.registrar?.registrations() ?? [];
  }

  createPlayer(): AudioMediaPlayer {
    return this.engineNow().createPlayer();
  }

  createRecorder(file: string): Promise<AudioMediaRecorder> {
    return this.media().then((m) => m.createRecorder(file));
  }

  createToneGenerator(): ToneGenerator {
    return this.engineNow().createToneGenerator();
  }

  /** A sound device (ALSA, through aplay/arecord) on the engine's bridge; see telephony/audio-device. */
  createExtraAudioDevice(dcfg: SoundDeviceConfig): ExtraAudioDevice {
    const bridge = (this.engineNow() as MediaEngine & { bridge?: ConferenceBridge }).bridge;
    if (!bridge)
      throw new Error("createExtraAudioDevice: this media engine has no conference bridge to put a sound device on");
    const dev = new AlsaSoundDevice(bridge, dcfg, {
      clock: this.clock,
      log: (msg, data) => this.log("warn", msg, data),
    });
    this.soundDevices.add(dev);
    return dev;
  }

  async libDestroy(): Promise<void> {
    if (this.destroyed) return;
    await Promise.all([...this.soundDevices].map((d) => d.close().catch(() => undefined)));
    this.soundDevices.clear();
    for (const acc of this.accounts) acc.stop();
    for (const call of [...this.calls]) call.terminate();
    // Let the BYEs and CANCELs just queued reach their sockets before those close.
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    this.destroyed = true;
    this.registrar?.close();
    if (this.engine) await this.engine.close().catch((e: unknown) => this.log("warn", "media engine close failed", e));
    if (this.ua) await this.ua.close();
    else await Promise.all(this.transports.map((t) => t.close()));
    this.clock.clearAll();
  }

  private alive(): void {
    if (this.destroyed) throw new Error("endpoint destroyed");
  }
}

function stripTag(value: string): string {
  return value.replace(/;\s*tag\s*=\s*[^;,\s]+/i, "");
}
