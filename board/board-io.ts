import type { AudioRef, BoardDescription, KeypadDescription } from "./descriptions/types.ts";
import type { DigitalInput, DigitalOutput, Led, Watchdog } from "./drivers/interfaces.ts";

/** A handset's hardware, opened. */
export interface HandsetIo {
  id: string;
  unit: string;
  dial: "dtmf-keypad" | "rotary";
  /** Off-hook when active. */
  hook: DigitalInput;
  /** Whether the kernel already debounced this line (gpio-keys does). */
  hookDebounced: boolean;
  /** A scanned matrix: drive columns, read rows. */
  keypad?: { keys: KeypadDescription["keys"]; columns: DigitalOutput[]; rows: DigitalInput[] };
  /** Keys already decoded (kernel matrix-keypad, or the simulated board's key presses). */
  keyPresses?: (listener: (key: string) => void) => () => void;
  lineRelay: DigitalOutput;
  statusLed: Led;
  audio: AudioRef;
}

/** Everything the firmware drives on a board, behind the small driver interfaces. */
export interface BoardIo {
  description: BoardDescription;
  handsets: HandsetIo[];
  /** `debounced` when the kernel already debounced the line (gpio-keys). */
  killSwitches: { unit: string; input: DigitalInput; debounced: boolean }[];
  panel: { unit: string; led: Led }[];
  watchdog?: Watchdog;
  /** SoC temperature in °C, undefined where the board has no sensor. */
  temperatureC(): Promise<number | undefined>;
  /** Faults the hardware layer knows of (driver errors, injected faults on sim). */
  faults(): string[];
  close(): Promise<void>;
}
