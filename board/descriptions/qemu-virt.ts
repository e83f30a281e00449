import type { BoardDescription, HandsetDescription } from "./types.ts";

/**
 * The emulated board (Buildroot `qemu_aarch64_virt`). QEMU's virt machine has no I2C expander,
 * so every line comes from the kernel's `gpio-sim` chip, exported through legacy sysfs (our
 * kernel keeps `GPIO_SYSFS=y`). Handsets dial rotary-style on the hook loop, which exercises
 * the pulse decoder without a keypad. Audio goes to QEMU's emulated sound card.
 */
const GPIO_SIM_BASE = 512; // gpio-sim chips number from 512 on 6.x kernels

function handset(i: number): HandsetDescription {
  return {
    id: `h${i + 1}`,
    unit: i < 2 ? "A" : "B",
    hook: { kind: "sysfs-gpio", line: GPIO_SIM_BASE + i },
    dial: "rotary",
    lineRelay: { kind: "sysfs-gpio", line: GPIO_SIM_BASE + 8 + i },
    statusLed: { kind: "sysfs-gpio", line: GPIO_SIM_BASE + 12 + i },
    audio: { kind: "alsa", device: "default" },
  };
}

export const qemuVirt: BoardDescription = {
  name: "qemu-virt",
  summary: "QEMU aarch64 virt: 4 rotary handsets on gpio-sim lines, 2 units",
  expanders: [],
  handsets: [0, 1, 2, 3].map(handset),
  killSwitches: [
    { unit: "A", input: { kind: "sysfs-gpio", line: GPIO_SIM_BASE + 4 } },
    { unit: "B", input: { kind: "sysfs-gpio", line: GPIO_SIM_BASE + 5 } },
  ],
  panel: [
    { unit: "A", output: { kind: "sysfs-gpio", line: GPIO_SIM_BASE + 6 } },
    { unit: "B", output: { kind: "sysfs-gpio", line: GPIO_SIM_BASE + 7 } },
  ],
  watchdog: { kind: "dev-watchdog", device: "/dev/watchdog", kickMs: 5000 },
  thermalZone: "/sys/class/thermal/thermal_zone0/temp",
};
