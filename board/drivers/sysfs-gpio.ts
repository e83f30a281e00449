import { access } from "node:fs/promises";
import { DeviceUnavailableError, type DigitalInput, type DigitalOutput, explainOsError } from "./interfaces.ts";

/**
 * Legacy sysfs GPIO (`/sys/class/gpio`) through the `onoff` package, which the original design
 * names. Obsolete upstream (behind GPIO_SYSFS_LEGACY on 6.x kernels, renumbered +512 on
 * Raspberry Pi ≥ 6.6), so boards that have a choice describe their switches as gpio-keys and
 * use `evdev.ts`. `onoff` is an optional dependency with a native part (epoll): it is imported
 * only when a description names a sysfs line.
 */
type OnoffModule = typeof import("onoff");
type Gpio = import("onoff").Gpio;

export const SYSFS_GPIO_ROOT = "/sys/class/gpio";

let onoff: Promise<OnoffModule> | undefined;

async function loadOnoff(): Promise<OnoffModule> {
  onoff ??= import("onoff").catch((err) => {
    onoff = undefined;
    throw new DeviceUnavailableError(
      "onoff",
      "the optional package onoff is not installed (npm install onoff on the board image)",
      err,
    );
  });
  return onoff;
}

async function open(line: number, direction: "in" | "out", activeLow: boolean, root: string): Promise<Gpio> {
  // onoff throws a bare ENOENT from writeFileSync(export); check first for a useful message.
  try {
    await access(`${root}/export`);
  } catch (err) {
    throw new DeviceUnavailableError(
      `${root}/gpio${line}`,
      `sysfs GPIO ${explainOsError(err)}; the kernel lacks GPIO_SYSFS — describe this line as gpio-keys (evdev) instead`,
      err,
    );
  }
  const { Gpio } = await loadOnoff();
  try {
    return direction === "in"
      ? new Gpio(line, "in", "both", { activeLow })
      : new Gpio(line, "out", "none", { activeLow });
  } catch (err) {
    throw new DeviceUnavailableError(`${root}/gpio${line}`, explainOsError(err), err);
  }
}

export async function openSysfsInput(line: number, activeLow = false, root = SYSFS_GPIO_ROOT): Promise<DigitalInput> {
  const gpio = await open(line, "in", activeLow, root);
  const listeners = new Set<(active: boolean) => void>();
  let watching = false;
  // onoff adds the value file to epoll (POLLPRI) only here, on the first watcher.
  const startWatching = () => {
    if (watching) return;
    try {
      gpio.watch((err, value) => {
        if (!err) for (const l of listeners) l(value === 1);
      });
    } catch (err) {
      // onoff keeps the callback although epoll refused the file; drop it so unexport works
      try {
        gpio.unwatchAll();
      } catch {
        // the same refusal, from epoll's remove
      }
      throw new DeviceUnavailableError(`${root}/gpio${line}/value`, `edge events: ${explainOsError(err)}`, err);
    }
    watching = true;
  };
  return {
    name: `gpio${line}`,
    read: async () => (await gpio.read()) === 1,
    watch: (listener) => {
      startWatching();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      listeners.clear();
      gpio.unexport();
    },
  };
}

export async function openSysfsOutput(line: number, activeLow = false, root = SYSFS_GPIO_ROOT): Promise<DigitalOutput> {
  const gpio = await open(line, "out", activeLow, root);
  return {
    name: `gpio${line}`,
    write: async (active) => {
      await gpio.write(active ? 1 : 0);
    },
    close: async () => gpio.unexport(),
  };
}
