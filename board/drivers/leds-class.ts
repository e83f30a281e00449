import { access, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DeviceUnavailableError, type Led, explainOsError } from "./interfaces.ts";

/** `leds-gpio` LEDs: `/sys/class/leds/<name>/brightness` takes "0" or the max brightness. */
export const LEDS_ROOT = "/sys/class/leds";

export async function openClassLed(name: string, root = LEDS_ROOT): Promise<Led> {
  const file = join(root, name, "brightness");
  try {
    await access(file);
  } catch (err) {
    throw new DeviceUnavailableError(file, `LED ${explainOsError(err)}`, err);
  }
  return {
    name,
    set: async (on) => {
      try {
        await writeFile(file, on ? "1" : "0");
      } catch (err) {
        throw new DeviceUnavailableError(file, explainOsError(err), err);
      }
    },
    close: async () => {},
  };
}
