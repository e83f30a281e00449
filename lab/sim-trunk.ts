/**
 * The lab's simulated trunk: a SIP peer standing in for the public network. Each number
 * behaves one way, chosen by its last two digits, so the lab can show every outcome:
 *
 *   ..00–..49  answers, waits for the announcement, accepts with 1, talks, stays on the line
 *   ..50       answers and declines with 2
 *   ..51       answers and blocks with 9, 9
 *   ..52       rings and never answers (the controller's ring limit ends it)
 *   ..53       busy (486)
 *   ..54       answers and hangs up during the announcement
 *   ..55       answers and says nothing (no response to the prompt)
 *   ..56       not in service (404)
 *   ..57       answers, accepts, and presses extra digits during the call
 *
 * It uses Yardline's own SIP stack; the tests use SIPp as the called party instead.
 */
import type { Account, Call, Endpoint } from "../telephony/api.ts";
import type { Clock } from "../telephony/clock.ts";

export type TrunkBehaviour =
  | "accept"
  | "decline"
  | "block"
  | "no-answer"
  | "busy"
  | "hangup"
  | "silent"
  | "not-in-service"
  | "extra-digits";

export function behaviourFor(number: string): TrunkBehaviour {
  const tail = Number(number.replace(/\D/g, "").slice(-2));
  if (tail < 50) return "accept";
  const table: Record<number, TrunkBehaviour> = {
    50: "decline",
    51: "block",
    52: "no-answer",
    53: "busy",
    54: "hangup",
    55: "silent",
    56: "not-in-service",
    57: "extra-digits",
  };
  return table[tail] ?? "accept";
}

export interface SimTrunkOptions {
  endpoint: Endpoint;
  clock: Clock;
  /** Seconds to wait after answering before pressing a digit (the announcement's length). */
  answerDelaySec?: number;
  /**
   * Resolves when the controller has finished the acceptance menu for a call to `number`. The
   * lab shares the controller's process and uses its event; without it the trunk waits
   * `answerDelaySec` (the announcement cannot be cut through, so an early digit is lost).
   */
  menuHeard?: (number: string) => Promise<void>;
  /** Audio the called party "speaks" once connected (8 kHz mono WAV), looped. */
  talkFile?: string;
  log?: (msg: string) => void;
}

export class SimTrunk {
  private readonly opts: SimTrunkOptions;
  readonly calls: Array<{ number: string; behaviour: TrunkBehaviour; endedBy?: string }> = [];

  constructor(account: Account, opts: SimTrunkOptions) {
    this.opts = opts;
    account.on("incomingCall", (call) => void this.handle(call));
  }

  private async handle(call: Call): Promise<void> {
    const number = call.getInfo().requestUser ?? "";
    const behaviour = behaviourFor(number);
    const entry: { number: string; behaviour: TrunkBehaviour; endedBy?: string } = { number, behaviour };
    this.calls.push(entry);
    this.opts.log?.(`trunk: call to ${number} -> ${behaviour}`);
    call.on("state", (state) => {
      if (state === "DISCONNECTED" && !entry.endedBy) entry.endedBy = "controller";
    });
    const wait = (sec: number) => new Promise<void>((r) => this.opts.clock.setTimeout(r, sec * 1000));
    try {
      if (behaviour === "busy") return await call.hangup({ statusCode: 486 });
      if (behaviour === "not-in-service") return await call.hangup({ statusCode: 404 });
      await call.answer({ statusCode: 180 });
      if (behaviour === "no-answer") return;
      await wait(2);
      await call.answer({ statusCode: 200 });
      const delay = this.opts.answerDelaySec ?? 20;
      if (behaviour === "hangup") {
        await wait(3);
        entry.endedBy = "trunk";
        return await call.hangup();
      }
      if (behaviour === "silent") return;
      if (this.opts.menuHeard) await this.opts.menuHeard(number);
      else await wait(delay);
      if (behaviour === "decline") return await call.dialDtmf("2");
      if (behaviour === "block") {
        await call.dialDtmf("9");
        await wait(this.opts.menuHeard ? 6 : 8);
        return await call.dialDtmf("9");
      }
      await call.dialDtmf("1");
      if (this.opts.talkFile) {
        const media = call.getAudioMedia();
        if (media) {
          const voice = this.opts.endpoint.createPlayer();
          voice.startTransmit(media);
          const loop = () => voice.enqueue([this.opts.talkFile!]);
          voice.on("end", loop);
          loop();
          call.on("state", (s) => {
            if (s === "DISCONNECTED") voice.destroy();
          });
        }
      }
      if (behaviour === "extra-digits") {
        await wait(5);
        await call.dialDtmf("123");
      }
    } catch (err) {
      this.opts.log?.(`trunk: ${number}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
