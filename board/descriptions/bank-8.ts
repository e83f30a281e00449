import type { BoardDescription, HandsetDescription, InputRef, OutputRef } from "./types.ts";

/**
 * The production phone bank: an ARM single-board computer driving eight handsets.
 *
 * Pin budget (why the expanders carry the keypad rows and not the hook switches): eight 3×4
 * keypads need 8 × 4 = 32 row inputs, exactly the 2 × 16 pins of two MCP23017s. The three
 * column drives are shared by all keypads (a key only connects its own keypad's row to the
 * shared column), so they sit on SoC GPIO. Hook switches and the four kill switches are
 * described to the kernel as `gpio-keys` and read as input events (debounced and timestamped
 * by the kernel, no sysfs needed); relays, column drives and the expanders' INTA lines are SoC
 * GPIO lines through the character device (node-libgpiod), LEDs leds-gpio.
 *
 * Audio: one USB audio adapter per handset (earpiece on its output, microphone on its input),
 * each given a stable ALSA card id `Handset1`..`Handset8` by a udev rule on its USB port, so a
 * handset's sound does not move when adapters enumerate in another order (docs/board.md).
 */

/** The SoC's GPIO controller: its line offsets are the SoC GPIO numbers below. */
const SOC_CHIP = "gpiochip0";
/** SoC GPIO numbers (offsets on SOC_CHIP; see docs/board.md for the header map). */
const COLUMN_LINES = [17, 27, 22] as const;
const RELAY_LINES = [5, 6, 13, 19, 26, 12, 16, 20] as const;
const EXPANDER_INT_LINES = [23, 24] as const;

/** gpio-keys codes: KEY_F1..KEY_F8 for hooks (59..66), SW_* would need EV_SW; keys are simpler. */
const HOOK_CODE_BASE = 59;
/** KEY_F9, KEY_F10, KEY_F11, KEY_F12 for the four kill switches. */
const KILL_CODES = [67, 68, 87, 88] as const;
const GPIO_KEYS = "/dev/input/by-path/platform-gpio-keys-event";

const KEYS = [
  ["1", "2", "3"],
  ["4", "5", "6"],
  ["7", "8", "9"],
  ["*", "0", "#"],
];

const UNITS = ["A", "B", "C", "D"] as const;

function handset(i: number): HandsetDescription {
  const expander = i < 4 ? "keys-1" : "keys-2";
  const base = (i % 4) * 4;
  const rows: InputRef[] = [0, 1, 2, 3].map((r) => ({ kind: "mcp23017", expander, pin: base + r, activeLow: true }));
  const columns: OutputRef[] = COLUMN_LINES.map((offset) => ({
    kind: "gpio-cdev",
    chip: SOC_CHIP,
    offset,
    activeLow: true,
  }));
  return {
    id: `h${i + 1}`,
    // Two handsets per housing unit.
    unit: UNITS[Math.floor(i / 2)] as string,
    hook: { kind: "evdev", device: GPIO_KEYS, code: HOOK_CODE_BASE + i },
    keypad: { columns, rows, keys: KEYS },
    dial: "dtmf-keypad",
    lineRelay: { kind: "gpio-cdev", chip: SOC_CHIP, offset: RELAY_LINES[i] as number },
    statusLed: { kind: "leds-class", name: `handset${i + 1}:green:status` },
    // plughw: alsa-lib converts our 8 kHz mono to what the adapter takes (usually 48 kHz).
    audio: { kind: "alsa", device: `plughw:CARD=Handset${i + 1},DEV=0` },
  };
}

export const bank8: BoardDescription = {
  name: "bank-8",
  summary:
    "8-handset phone bank: ARM SBC, 2× MCP23017 (keypad rows), gpio-keys hooks and kill switches, GPIO character device, a USB audio adapter per handset",
  // INTA is active-low open drain (IOCON.ODR): the kernel inverts it and supplies the pull-up.
  expanders: EXPANDER_INT_LINES.map((offset, i) => ({
    id: `keys-${i + 1}`,
    bus: 1,
    address: 0x20 + i,
    interrupt: { kind: "gpio-cdev", chip: SOC_CHIP, offset, activeLow: true, bias: "pull-up" },
  })),
  handsets: Array.from({ length: 8 }, (_, i) => handset(i)),
  killSwitches: UNITS.map((unit, i) => ({
    unit,
    input: { kind: "evdev", device: GPIO_KEYS, code: KILL_CODES[i] as number },
  })),
  panel: UNITS.map((unit) => ({ unit, output: { kind: "leds-class", name: `panel:red:unit-${unit.toLowerCase()}` } })),
  watchdog: { kind: "dev-watchdog", device: "/dev/watchdog", kickMs: 5000 },
  thermalZone: "/sys/class/thermal/thermal_zone0/temp",
};
