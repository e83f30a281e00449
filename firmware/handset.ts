import type { DigitalOutput, Led } from "../board/drivers/interfaces.ts";
import type { HandsetSignal } from "../board/handset-signals.ts";
import { HandsetMachine, type HandsetState } from "./handset-machine.ts";
import type { Earpiece, HandsetLine, LineCall } from "./line.ts";

/** What a handset tells the controller link (journaled, replayed after an outage). */
export type HandsetReport =
  | { kind: "hook"; offHook: boolean }
  | { kind: "flash" }
  | { kind: "state"; state: HandsetState; reason: string }
  | { kind: "refused"; reason: string };

export interface HandsetDeps {
  id: string;
  unit: string;
  line: HandsetLine;
  earpiece: Earpiece;
  lineRelay: DigitalOutput;
  statusLed: Led;
  report: (r: HandsetReport) => void;
  log?: (msg: string, data?: unknown) => void;
}

/**
 * One handset: decoded hardware signals in, SIP and local audio out, through the state machine.
 * Every failure here is local to this handset: a SIP error ends its call, never another's.
 */
export class Handset {
  readonly id: string;
  readonly unit: string;
  readonly machine: HandsetMachine;
  private readonly deps: HandsetDeps;
  private offHook = false;
  private killed = false;
  private available = false;
  private call: LineCall | undefined;
  private pendingDigits: string[] = [];
  private audioArrived = false;

  constructor(deps: HandsetDeps) {
    this.deps = deps;
    this.id = deps.id;
    this.unit = deps.unit;
    // Fails closed: out of service until the controller link says otherwise.
    this.machine = new HandsetMachine(deps.id, "out-of-service");
    this.machine.onChange((c) => {
      deps.report({ kind: "state", state: c.to, reason: c.reason });
      this.io(deps.statusLed.set(c.to !== "killed" && c.to !== "out-of-service"));
    });
    this.io(deps.lineRelay.write(true));
    this.io(deps.statusLed.set(false));
  }

  get state(): HandsetState {
    return this.machine.state;
  }

  get isOffHook(): boolean {
    return this.offHook;
  }

  get hasCall(): boolean {
    return this.call !== undefined;
  }

  /** Hardware signal from the board (already debounced and decoded). */
  signal(sig: HandsetSignal): void {
    switch (sig.kind) {
      case "off-hook":
        this.lifted();
        return;
      case "hang-up":
        this.hungUp();
        return;
      case "flash":
        this.deps.report({ kind: "flash" });
        if (this.call && (this.state === "dialling" || this.state === "in-call")) this.send("flash");
        return;
      case "digit":
        if (this.state === "off-hook") this.pendingDigits.push(sig.digit);
        else if (this.state === "dialling" || this.state === "in-call") this.send(sig.digit);
        return;
    }
  }

  /** Kill (or schedule-off) of this handset's unit: ends the call and holds the handset dead. */
  setKilled(killed: boolean, reason: string): void {
    if (killed === this.killed) return;
    this.killed = killed;
    if (killed) {
      // Open the line relay first: it cuts the audio path physically even if SIP is slow.
      this.io(this.deps.lineRelay.write(false));
      this.endCall();
      this.deps.earpiece.silence();
    } else {
      this.io(this.deps.lineRelay.write(true));
    }
    this.rest(reason);
  }

  /** Whether the controller is reachable. New calls need it; calls in progress continue. */
  setAvailable(available: boolean, reason: string): void {
    if (available === this.available) return;
    this.available = available;
    if (this.state === "on-hook" || this.state === "out-of-service" || this.state === "lockout") this.rest(reason);
  }

  /** Controller command: end this handset's call (the handset must hang up before a new one). */
  terminate(reason: string): void {
    if (!this.call) return;
    this.endCall();
    if (this.offHook) this.deps.earpiece.tone("reorder");
    this.rest(reason);
  }

  /** Controller report: the call is bridged to the called party. */
  connected(): void {
    if (this.state === "dialling") this.machine.transition("in-call", "bridged by controller");
  }

  private lifted(): void {
    this.offHook = true;
    this.deps.report({ kind: "hook", offHook: true });
    switch (this.state) {
      case "on-hook":
        this.machine.transition("off-hook", "lifted");
        this.placeCall();
        return;
      case "out-of-service":
        this.deps.report({ kind: "refused", reason: "service unavailable" });
        this.deps.earpiece.unavailable();
        return;
      default:
        return; // killed: dead line; others cannot be on-hook
    }
  }

  private hungUp(): void {
    this.offHook = false;
    this.deps.report({ kind: "hook", offHook: false });
    this.endCall();
    this.deps.earpiece.silence();
    this.rest("hung up");
  }

  private placeCall(): void {
    this.pendingDigits = [];
    this.audioArrived = false;
    // Local dial tone at once: the IWTS requirement is a dial tone or prompt within 2 s of
    // lifting, and the controller's prompt replaces it as soon as its audio arrives.
    this.deps.earpiece.tone("dial");
    const call = this.deps.line.call();
    this.call = call;
    call.onAudio(() => {
      if (this.call !== call || this.audioArrived) return;
      this.audioArrived = true;
      this.deps.earpiece.silence();
      if (this.state === "off-hook") this.machine.transition("dialling", "controller audio");
      const digits = this.pendingDigits.join("");
      this.pendingDigits = [];
      if (digits) this.send(digits);
    });
    call.onEnded((reason) => {
      if (this.call !== call) return;
      this.call = undefined;
      if (this.offHook && !this.killed) {
        if (this.audioArrived) this.deps.earpiece.tone("reorder");
        else this.deps.earpiece.unavailable();
      }
      this.rest(`call ended: ${reason}`);
    });
  }

  private send(digits: string): void {
    const call = this.call;
    if (!call) return;
    call.sendDigits(digits).catch((err) => this.deps.log?.(`handset ${this.id}: DTMF failed`, err));
  }

  private endCall(): void {
    const call = this.call;
    this.call = undefined;
    this.pendingDigits = [];
    if (call) call.hangup().catch((err) => this.deps.log?.(`handset ${this.id}: hangup failed`, err));
  }

  /** Moves to where the handset should rest given the hook, kill and service facts. */
  private rest(reason: string): void {
    if (this.call) return; // a live call keeps its state until it ends
    const target: HandsetState = this.killed
      ? "killed"
      : this.offHook
        ? this.state === "out-of-service" && !this.available
          ? "out-of-service"
          : "lockout"
        : this.available
          ? "on-hook"
          : "out-of-service";
    if (target !== this.state) this.machine.transition(target, reason);
  }

  private io(p: Promise<void>): void {
    p.catch((err) => this.deps.log?.(`handset ${this.id}: output failed`, err));
  }
}
