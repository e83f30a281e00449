/**
 * A board description is data: which handsets exist, which housing unit each belongs to, and
 * where every input and output is wired. The factory (`board/factory.ts`) reads it and loads
 * only the drivers it names, so a board without an I2C expander never imports `i2c-bus`.
 */
import type { LineBias } from "../drivers/gpio-cdev.ts";

/** Where a digital input comes from. `activeLow` inverts the electrical level. */
export type InputRef =
  /**
   * A line of a GPIO character device (`/dev/gpiochipN`) through node-libgpiod: `chip` is a
   * path, name, number or label (`gpiod_chip_open_lookup`), `offset` the line within the chip.
   * `bias` asks the kernel for a pull-up/down (Linux ≥ 5.5), so a switch to ground needs no
   * resistor on the board.
   */
  | { kind: "gpio-cdev"; chip: string; offset: number; activeLow?: boolean; bias?: LineBias }
  /** Legacy sysfs GPIO through `onoff` (line number as the kernel numbers it). */
  | { kind: "sysfs-gpio"; line: number; activeLow?: boolean }
  /** A key or switch code on a kernel input device (gpio-keys, matrix-keypad). */
  | { kind: "evdev"; device: string; code: number; eventType?: "key" | "switch" }
  /** A pin of an MCP23017 expander named in `expanders`. Pins 0-7 are GPA0-7, 8-15 GPB0-7. */
  | { kind: "mcp23017"; expander: string; pin: number; activeLow?: boolean }
  /** An in-memory line of the simulated board. */
  | { kind: "sim"; id: string };

/** Where a digital output goes. */
export type OutputRef =
  | { kind: "gpio-cdev"; chip: string; offset: number; activeLow?: boolean }
  | { kind: "sysfs-gpio"; line: number; activeLow?: boolean }
  | { kind: "mcp23017"; expander: string; pin: number; activeLow?: boolean }
  /** `/sys/class/leds/<name>/brightness` (leds-gpio). */
  | { kind: "leds-class"; name: string }
  | { kind: "sim"; id: string };

export interface ExpanderDescription {
  id: string;
  /** `/dev/i2c-<bus>`. */
  bus: number;
  /** 7-bit address, 0x20-0x27 (A2..A0 strapping). */
  address: number;
  /** The INTA line (IOCON.MIRROR ORs INTB into it); without it the driver polls. */
  interrupt?: InputRef;
}

/**
 * A scanned keypad matrix: the firmware drives one column at a time and reads which rows
 * follow it. `keys[row][col]` names the key at each crossing.
 */
export interface KeypadDescription {
  columns: OutputRef[];
  rows: InputRef[];
  keys: string[][];
}

/**
 * A handset's audio. `alsa`: the ALSA PCM its earpiece is played to and its microphone captured
 * from (`captureDevice` when capture is a different PCM, e.g. a channel of a multi-channel codec
 * split with dsnoop). `sim`: WAV files (firmware/runtime.ts).
 */
export type AudioRef = { kind: "alsa"; device: string; captureDevice?: string } | { kind: "sim" };

export interface HandsetDescription {
  id: string;
  /** Housing unit the handset sits in; kill switches and schedules act per unit. */
  unit: string;
  /** Off-hook when active. Rotary handsets pulse this same loop. */
  hook: InputRef;
  keypad?: KeypadDescription;
  /** Keys reported by a kernel matrix-keypad device instead of a scan (evdev codes → key). */
  keypadEvdev?: { device: string; codes: Record<number, string> };
  dial: "dtmf-keypad" | "rotary";
  /** Closes the handset's audio loop; opened to cut a call physically. */
  lineRelay: OutputRef;
  statusLed: OutputRef;
  audio: AudioRef;
}

export interface KillSwitchDescription {
  unit: string;
  input: InputRef;
}

export interface PanelLedDescription {
  unit: string;
  output: OutputRef;
}

export interface WatchdogDescription {
  kind: "dev-watchdog" | "sim";
  device?: string;
  /** Kick period; must be well under the hardware timeout. */
  kickMs: number;
}

export interface BoardDescription {
  name: string;
  summary: string;
  expanders: ExpanderDescription[];
  handsets: HandsetDescription[];
  killSwitches: KillSwitchDescription[];
  panel: PanelLedDescription[];
  watchdog?: WatchdogDescription;
  /** Where to read the SoC temperature (millidegrees), if anywhere. */
  thermalZone?: string;
}
