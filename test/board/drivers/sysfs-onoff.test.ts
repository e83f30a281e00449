/**
 * The sysfs GPIO driver through the real onoff, without GPIO hardware. onoff has no root
 * option (it writes to /sys/class/gpio itself), so the driver runs in a child process in a
 * private mount namespace (`unshare -m`, needs CAP_SYS_ADMIN: root in our CI container) whose
 * /sys/class is an empty tmpfs laid out as the kernel presents exported lines.
 *
 * What a fake sysfs cannot show: edge events. onoff waits for them with epoll(POLLPRI) on the
 * value file, and epoll refuses regular files (EPERM); so watching is tested only as far as the
 * clear error. Exporting is not tested either (a write to the fake `export` makes no gpioN/).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import test from "ava";

const child = fileURLToPath(new URL("./sysfs-onoff-child.ts", import.meta.url));
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const canUnshare = spawnSync("unshare", ["-m", "--propagation", "private", "true"]).status === 0;

(canUnshare ? test : test.skip)(
  "onoff through our sysfs driver: outputs set direction, active_low and value, inputs read, close unexports",
  (t) => {
    const r = spawnSync(
      "unshare",
      [
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        'mount -t tmpfs yardline-test /sys/class && exec "$0" --import tsx "$1"',
        process.execPath,
        child,
      ],
      { cwd: repo, encoding: "utf8", timeout: 60_000 },
    );
    t.is(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
    t.is(out.outDirection, "out");
    t.is(out.outActiveLow, "1", "active-low handed to the kernel");
    t.is(out.valueAfterTrue, "1", "logical 1: the kernel inverts it on an active-low line");
    t.is(out.valueAfterFalse, "0");
    t.is(out.unexportAfterOutput, "5");
    t.is(out.inDirection, "in");
    t.is(out.inEdge, "both");
    t.true(out.readHigh);
    t.false(out.readLow);
    t.like(out.watch, { name: "DeviceUnavailableError" });
    t.regex((out.watch as { message: string }).message, /gpio17\/value: edge events/);
    t.is(out.unexportAfterInput, "17");
  },
);
