import { type FileHandle, open } from "node:fs/promises";
import { DeviceUnavailableError, type Watchdog, explainOsError } from "./interfaces.ts";

/**
 * Linux watchdog device (Documentation/watchdog/watchdog-api.rst): opening it arms the timer,
 * any write kicks it, and "the magic character 'V'" written before close disarms it (unless the
 * kernel has NOWAYOUT). A crash without the 'V' lets the timer expire and reset the board.
 */
export async function openDevWatchdog(device = "/dev/watchdog"): Promise<Watchdog> {
  let fh: FileHandle;
  try {
    fh = await open(device, "w");
  } catch (err) {
    throw new DeviceUnavailableError(device, `watchdog ${explainOsError(err)}`, err);
  }
  let closed = false;
  return {
    kick: async () => {
      if (!closed) await fh.write("k");
    },
    close: async (disarm) => {
      if (closed) return;
      closed = true;
      if (disarm) await fh.write("V");
      await fh.close();
    },
  };
}
