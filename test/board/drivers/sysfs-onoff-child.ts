/**
 * Runs inside a private mount namespace whose /sys/class is an empty tmpfs (see
 * sysfs-onoff.test.ts): lays out /sys/class/gpio as the kernel presents exported lines, drives
 * our sysfs driver and the real onoff through it, and prints what happened as JSON.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { openSysfsInput, openSysfsOutput } from "../../../board/drivers/sysfs-gpio.ts";

const root = "/sys/class/gpio";
mkdirSync(root, { recursive: true });
writeFileSync(`${root}/export`, "");
writeFileSync(`${root}/unexport`, "");
// Lines already exported (onoff then skips `export` and uses them as they are: a fake kernel
// cannot make gpioN/ appear in answer to a write to `export`).
for (const n of [5, 17]) {
  mkdirSync(`${root}/gpio${n}`);
  writeFileSync(`${root}/gpio${n}/direction`, "in");
  writeFileSync(`${root}/gpio${n}/edge`, "none");
  writeFileSync(`${root}/gpio${n}/active_low`, "0");
  writeFileSync(`${root}/gpio${n}/value`, "0");
}
const file = (p: string) => readFileSync(`${root}/${p}`, "utf8");
const out: Record<string, unknown> = {};

const relay = await openSysfsOutput(5, true);
out.outDirection = file("gpio5/direction");
out.outActiveLow = file("gpio5/active_low");
await relay.write(true);
out.valueAfterTrue = file("gpio5/value");
await relay.write(false);
out.valueAfterFalse = file("gpio5/value");
await relay.close();
out.unexportAfterOutput = file("unexport");

const hook = await openSysfsInput(17, false);
out.inDirection = file("gpio17/direction");
out.inEdge = file("gpio17/edge");
writeFileSync(`${root}/gpio17/value`, "1\n");
out.readHigh = await hook.read();
writeFileSync(`${root}/gpio17/value`, "0\n");
out.readLow = await hook.read();
try {
  hook.watch(() => undefined);
  out.watch = "ok";
} catch (err) {
  out.watch = { name: (err as Error).name, message: (err as Error).message };
}
await hook.close();
out.unexportAfterInput = file("unexport");
process.stdout.write(`${JSON.stringify(out)}\n`);
