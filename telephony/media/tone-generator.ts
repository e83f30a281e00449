/** A tone generator port (pjsua2 ToneGenerator): named call-progress tones or custom cadences. */
import type { AudioMedia, NamedTone, ToneDescriptor, ToneGenerator } from "../api.ts";
import type { BridgePort, ConferenceBridge } from "./bridge.ts";
import { NAMED_TONES, ToneSynth } from "./tones.ts";

export class BridgeToneGenerator implements ToneGenerator {
  private readonly port: BridgePort;
  private readonly bridge: ConferenceBridge;
  private readonly synth = new ToneSynth();
  private readonly onDestroyed: (() => void) | undefined;

  /** `onDestroyed` lets the engine forget the generator (it would otherwise keep every call's). */
  constructor(bridge: ConferenceBridge, onDestroyed?: () => void) {
    this.bridge = bridge;
    this.onDestroyed = onDestroyed;
    this.port = bridge.addPort({ read: (f) => this.synth.fill(f) }, "tone");
  }

  get portId(): number {
    return this.port.portId;
  }

  get playing(): boolean {
    return this.synth.active;
  }

  startTransmit(sink: AudioMedia, level?: number): void {
    this.port.startTransmit(sink, level);
  }

  stopTransmit(sink: AudioMedia): void {
    this.port.stopTransmit(sink);
  }

  adjustRxLevel(level: number): void {
    this.port.adjustRxLevel(level);
  }

  adjustTxLevel(level: number): void {
    this.port.adjustTxLevel(level);
  }

  /**
   * Plays a named tone (looping as the tone plan says unless `loop` is given) or a list of
   * segments (played once unless `loop`).
   */
  play(tone: NamedTone | ToneDescriptor[], loop?: boolean): void {
    if (typeof tone === "string") {
      const spec = NAMED_TONES[tone];
      if (!spec) throw new RangeError(`unknown tone ${tone}`);
      this.synth.start(spec.segments, loop ?? spec.loop);
    } else {
      this.synth.start(tone, loop ?? false);
    }
  }

  stop(): void {
    this.synth.stop();
  }

  destroy(): void {
    this.synth.stop();
    this.bridge.removePort(this.port);
    this.onDestroyed?.();
  }
}
