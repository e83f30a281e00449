import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { DeviceUnavailableError } from "../../../board/drivers/interfaces.ts";
import { openClassLed } from "../../../board/drivers/leds-class.ts";
import { openSysfsInput, openSysfsOutput } from "../../../board/drivers/sysfs-gpio.ts";
import { openDevWatchdog } from "../../../board/drivers/watchdog.ts";

test("leds-gpio writes 1/0 to /sys/class/leds/<name>/brightness", async (t) => {
  const root = await mkdtemp(join(tmpdir(), "leds-"));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, "panel:red:unit-a"));
  await writeFile(join(root, "panel:red:unit-a", "brightness"), "0");
  const led = await openClassLed("panel:red:unit-a", root);
  await led.set(true);
  t.is(await readFile(join(root, "panel:red:unit-a", "brightness"), "utf8"), "1");
  await led.set(false);
  t.is(await readFile(join(root, "panel:red:unit-a", "brightness"), "utf8"), "0");
});

test("an absent LED is a DeviceUnavailableError", async (t) => {
  const root = await mkdtemp(join(tmpdir(), "leds-"));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await t.throwsAsync(openClassLed("nope", root), { instanceOf: DeviceUnavailableError, message: /device absent/ });
});

test("the watchdog is kicked by writes and disarmed with the magic 'V' on a clean stop", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "wdt-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const dev = join(dir, "watchdog");
  await writeFile(dev, "");
  const wd = await openDevWatchdog(dev);
  await wd.kick();
  await wd.kick();
  await wd.close(true);
  await wd.kick(); // after close: no write, no throw
  t.is(await readFile(dev, "utf8"), "kkV");
});

test("an absent /dev/watchdog is a DeviceUnavailableError", async (t) => {
  await t.throwsAsync(openDevWatchdog("/nonexistent-dir/watchdog"), { instanceOf: DeviceUnavailableError });
});

test("sysfs GPIO without /sys/class/gpio explains that the kernel lacks GPIO_SYSFS", async (t) => {
  const root = join(tmpdir(), "no-such-gpio-root");
  const e1 = await t.throwsAsync(openSysfsInput(17, false, root), { instanceOf: DeviceUnavailableError });
  t.regex(e1?.message ?? "", /GPIO_SYSFS/);
  t.is(e1?.osCode, "ENOENT");
  await t.throwsAsync(openSysfsOutput(5, false, root), { instanceOf: DeviceUnavailableError });
});
