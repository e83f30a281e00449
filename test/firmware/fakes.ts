import type { DigitalOutput, Led } from "../../board/drivers/interfaces.ts";
import type { Earpiece, HandsetLine, LineCall } from "../../firmware/line.ts";
import type { NamedTone } from "../../telephony/api.ts";

export class FakeCall implements LineCall {
  digits: string[] = [];
  hungUp = false;
  private audio: (() => void)[] = [];
  private ended: ((r: string) => void)[] = [];
  onAudio(l: () => void): void {
    this.audio.push(l);
  }
  onEnded(l: (r: string) => void): void {
    this.ended.push(l);
  }
  async sendDigits(d: string): Promise<void> {
    this.digits.push(d);
  }
  async hangup(): Promise<void> {
    this.hungUp = true;
  }
  /** The controller's RTP arrives. */
  audioArrives(): void {
    for (const l of this.audio) l();
  }
  /** The controller ends the call. */
  end(reason: string): void {
    for (const l of this.ended) l(reason);
  }
}

export class FakeLine implements HandsetLine {
  calls: FakeCall[] = [];
  isRegistered = true;
  call(): LineCall {
    const c = new FakeCall();
    this.calls.push(c);
    return c;
  }
  registered(): boolean {
    return this.isRegistered;
  }
  get last(): FakeCall | undefined {
    return this.calls.at(-1);
  }
}

export class FakeEarpiece implements Earpiece {
  heard: string[] = [];
  tone(t: NamedTone): void {
    this.heard.push(t);
  }
  unavailable(): void {
    this.heard.push("unavailable");
  }
  silence(): void {
    this.heard.push("silence");
  }
  get now(): string | undefined {
    return this.heard.at(-1);
  }
}

export class FakeOutput implements DigitalOutput, Led {
  level = false;
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  async write(v: boolean): Promise<void> {
    this.level = v;
  }
  async set(v: boolean): Promise<void> {
    this.level = v;
  }
  async close(): Promise<void> {}
}
