import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import test from "ava";
import { bank8 } from "../../board/descriptions/bank-8.ts";
import {
  EXTERNAL_KCONFIG_VAR,
  externalPaths,
  hasTool,
  isExecutable,
  meaningfulLines,
  parseDefconfig,
  REPO,
  read,
  TREE,
  walk,
} from "./tree-support.ts";

const PACKAGES = readdirSync(join(TREE, "package"));
const DEFCONFIGS = readdirSync(join(TREE, "configs"));

test("external.desc names the tree YARDLINE (BR2_EXTERNAL_YARDLINE_PATH)", (t) => {
  const fields = Object.fromEntries(
    read("external.desc")
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const i = l.indexOf(":");
        return [l.slice(0, i).trim(), l.slice(i + 1).trim()];
      }),
  );
  t.is(fields.name, "YARDLINE");
  t.regex(fields.name ?? "", /^[A-Za-z0-9_]+$/);
  t.truthy(fields.desc);
});

/** Every `source` line of a Kconfig file and of the files it sources, recursively. */
function sources(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const out: string[] = [];
  for (const { line } of meaningfulLines(read(file))) {
    const m = /^\s*source\s+"([^"]+)"\s*$/.exec(line);
    if (!m) continue;
    const target = m[1] as string;
    out.push(target);
    if (target.startsWith(`${EXTERNAL_KCONFIG_VAR}/`)) {
      const rel = target.slice(EXTERNAL_KCONFIG_VAR.length + 1);
      if (existsSync(join(TREE, rel))) out.push(...sources(rel, seen));
    }
  }
  return out;
}

test("Config.in sources each package's Config.in through $BR2_EXTERNAL_YARDLINE_PATH, and the targets exist", (t) => {
  const targets = sources("Config.in");
  t.true(targets.length > 0);
  for (const target of targets) {
    t.true(target.startsWith(`${EXTERNAL_KCONFIG_VAR}/`), `relative source path fails in Buildroot: ${target}`);
    t.true(existsSync(join(TREE, target.slice(EXTERNAL_KCONFIG_VAR.length + 1))), `missing: ${target}`);
  }
  for (const pkg of PACKAGES) {
    t.true(targets.includes(`${EXTERNAL_KCONFIG_VAR}/package/${pkg}/Config.in`), `${pkg} is not sourced`);
  }
});

test("external.mk includes every package's .mk", (t) => {
  t.true(
    read("external.mk")
      .split("\n")
      .includes("include $(sort $(wildcard $(BR2_EXTERNAL_YARDLINE_PATH)/package/*/*.mk))"),
  );
  for (const pkg of PACKAGES) t.true(existsSync(join(TREE, "package", pkg, `${pkg}.mk`)), pkg);
});

/** Variables Buildroot's package infrastructure defines for every package. */
const INFRA_VARIABLES = new Set(["PKGDIR", "DIR", "BUILDDIR", "SRCDIR", "NAME", "RAWNAME", "DL_DIR", "BASENAME"]);

for (const pkg of PACKAGES) {
  const prefix = `${pkg.toUpperCase().replace(/-/g, "_")}_`;

  test(`${pkg}.mk: every variable and define uses the ${prefix} prefix, and every ${prefix} reference is defined`, (t) => {
    const mk = read(`package/${pkg}/${pkg}.mk`);
    const defined = new Set<string>();
    let inDefine: string | undefined;
    for (const { n, line } of meaningfulLines(mk)) {
      if (inDefine) {
        if (line === "endef") inDefine = undefined;
        else t.true(line.startsWith("\t"), `line ${n}: recipe line in ${inDefine} must start with a tab`);
        continue;
      }
      const def = /^define\s+([A-Za-z0-9_]+)\s*$/.exec(line);
      if (def) {
        inDefine = def[1] as string;
        defined.add(inDefine);
        t.true(inDefine.startsWith(prefix), `line ${n}: define ${inDefine}`);
        continue;
      }
      const assign = /^([A-Za-z0-9_]+)\s*(\+=|:=|\?=|=)/.exec(line);
      if (assign) {
        const name = assign[1] as string;
        defined.add(name);
        t.true(name.startsWith(prefix), `line ${n}: variable ${name} lacks the ${prefix} prefix`);
      }
    }
    t.is(inDefine, undefined, "unterminated define");
    for (const m of mk.matchAll(new RegExp(`\\$\\((${prefix}[A-Z0-9_]+)\\)`, "g"))) {
      const name = m[1] as string;
      const infra = INFRA_VARIABLES.has(name.slice(prefix.length));
      t.true(defined.has(name) || infra, `${name} is used but never defined`);
    }
    t.regex(mk, /^\$\(eval \$\((generic|host-generic)-package\)\)$/m);
  });

  test(`${pkg}/Config.in declares BR2_PACKAGE_${prefix.slice(0, -1)}`, (t) => {
    t.regex(read(`package/${pkg}/Config.in`), new RegExp(`^config BR2_PACKAGE_${prefix.slice(0, -1)}$`, "m"));
  });
}

test("the firmware package installs source directories that exist in the repository", (t) => {
  const mk = read("package/yardline-firmware/yardline-firmware.mk");
  const m = /^YARDLINE_FIRMWARE_SOURCE_DIRS\s*=\s*(.+)$/m.exec(mk);
  const dirs = (m?.[1] ?? "").trim().split(/\s+/);
  t.deepEqual(dirs, ["board", "firmware", "telephony"]);
  for (const d of dirs) t.true(existsSync(join(REPO, d)), d);
  t.true(existsSync(join(REPO, "package-lock.json")), "npm ci needs the lock file");
  // The reference's cross-compilation settings for native addons.
  t.regex(mk, /npm_config_arch=/);
  t.regex(mk, /npm_config_nodedir=\$\(STAGING_DIR\)\/usr/);
});

for (const name of DEFCONFIGS) {
  test(`${name}: every line is a BR2_ symbol, none twice, and tree paths exist`, (t) => {
    t.regex(name, /^[a-z0-9_]+_defconfig$/);
    const entries = parseDefconfig(read(`configs/${name}`));
    const seen = new Map<string, number>();
    for (const e of entries) {
      t.false(seen.has(e.symbol), `${e.symbol} on lines ${seen.get(e.symbol)} and ${e.n}`);
      seen.set(e.symbol, e.n);
      for (const p of externalPaths(e.value ?? "")) t.true(existsSync(join(TREE, p)), `line ${e.n}: ${p}`);
    }
  });

  test(`${name}: nodejs with a C++ toolchain, libgpiod 1.x, i2c-tools with BusyBox's others, the firmware`, (t) => {
    const set = new Map(parseDefconfig(read(`configs/${name}`)).map((e) => [e.symbol, e.value]));
    const on = (s: string) => set.get(s) === "y";
    t.true(on("BR2_aarch64"));
    t.true(on("BR2_PACKAGE_NODEJS"));
    t.true(on("BR2_TOOLCHAIN_BUILDROOT_CXX"), "Buildroot's nodejs needs a C++ toolchain");
    t.true(on("BR2_PACKAGE_YARDLINE_FIRMWARE"));
    t.true(on("BR2_PACKAGE_LIBGPIOD"));
    t.false(set.has("BR2_PACKAGE_LIBGPIOD2"), "node-libgpiod binds libgpiod 1.x only");
    if (on("BR2_PACKAGE_I2C_TOOLS")) t.true(on("BR2_PACKAGE_BUSYBOX_SHOW_OTHERS"), "i2c-tools is hidden without it");
    t.true(on("BR2_INIT_BUSYBOX"), "the firmware is respawned from BusyBox's inittab");
    t.true(on("BR2_ROOTFS_DEVICE_CREATION_DYNAMIC_EUDEV"), "/dev/input/by-path links come from udev rules");
    // The Yardline symbols used must be ones this tree declares.
    const declared = PACKAGES.map((p) => `BR2_PACKAGE_${p.toUpperCase().replace(/-/g, "_")}`);
    for (const sym of set.keys()) {
      if (sym.startsWith("BR2_PACKAGE_YARDLINE")) t.true(declared.includes(sym), sym);
    }
    for (const script of ["BR2_ROOTFS_POST_BUILD_SCRIPT", "BR2_ROOTFS_POST_IMAGE_SCRIPT"]) {
      const paths = externalPaths(set.get(script) ?? "");
      t.true(paths.length > 0, `${script} is set`);
      for (const p of paths) t.true(isExecutable(p), `${p} must be executable for Buildroot to run it`);
    }
  });
}

test("the qemu defconfig builds a kernel with gpio-sim and configfs, the bank one with the SoC watchdog", (t) => {
  const fragment = (board: string) =>
    new Set(meaningfulLines(read(`board/yardline/${board}/linux.fragment`)).map((l) => l.line));
  const qemu = fragment("qemu-aarch64");
  t.true(qemu.has("CONFIG_GPIO_SIM=y"));
  t.true(qemu.has("CONFIG_CONFIGFS_FS=y"));
  t.true(qemu.has("CONFIG_I6300ESB_WDT=y"));
  const bank = fragment("bank8");
  t.true(bank.has("CONFIG_BCM2835_WDT=y"));
  t.true(bank.has("CONFIG_KEYBOARD_GPIO=y"));
  t.regex(read("board/yardline/bank8/cmdline.txt"), /bcm2835_wdt\.heartbeat=\d+/);
});

test("kernel fragments hold only CONFIG_ lines", (t) => {
  for (const file of walk().filter((f) => f.endsWith("linux.fragment"))) {
    for (const line of read(file).split("\n")) {
      if (line.trim() === "" || (line.startsWith("#") && !/^# CONFIG_/.test(line))) continue;
      t.regex(
        line,
        /^(CONFIG_[A-Z0-9_]+=(y|m|n|-?[0-9]+|0x[0-9a-fA-F]+|"[^"]*")|# CONFIG_[A-Z0-9_]+ is not set)$/,
        file,
      );
    }
  }
});

/** Files starting with a shebang: the tree's scripts. */
function scripts(): Array<{ file: string; shell: "bash" | "sh" }> {
  return walk()
    .map((file) => ({ file, first: read(file).split("\n")[0] ?? "" }))
    .filter(({ first }) => first.startsWith("#!"))
    .map(({ file, first }) => ({ file, shell: /bash/.test(first) ? ("bash" as const) : ("sh" as const) }));
}

test("every script is executable and passes its shell's syntax check (bash -n / sh -n)", (t) => {
  const all = scripts();
  t.true(all.length >= 8, `found ${all.length} scripts`);
  for (const { file, shell } of all) {
    t.true(isExecutable(file), `${file} is not executable`);
    t.notThrows(() => execFileSync(shell, ["-n", join(TREE, file)], { stdio: "pipe" }), file);
  }
});

(hasTool("shellcheck") ? test : test.skip)("every script passes shellcheck", (t) => {
  for (const { file, shell } of scripts()) {
    try {
      execFileSync("shellcheck", ["-s", shell, "-x", join(TREE, file)], { stdio: "pipe", encoding: "utf8" });
      t.pass();
    } catch (err) {
      t.fail(`${file}:\n${(err as { stdout?: string }).stdout ?? err}`);
    }
  }
});

test("init runs the launcher that the overlay installs, and init scripts follow the S<nn> naming", (t) => {
  const postBuild = read("board/yardline/common/post-build.sh");
  const m = /respawn='::respawn:([^']+)'/.exec(postBuild);
  t.truthy(m);
  t.true(existsSync(join(TREE, "board/yardline/common/rootfs-overlay", m?.[1] ?? "")));
  for (const f of walk().filter((f) => f.includes("/rootfs-overlay/etc/init.d/"))) {
    t.regex(f.split("/").pop() ?? "", /^S\d\d[a-z0-9-]+$/);
  }
  for (const board of ["bank8", "qemu-aarch64"]) {
    t.regex(
      read(`board/yardline/${board}/rootfs-overlay/etc/default/yardline-firmware`),
      /^YARDLINE_BOARD=[a-z0-9-]+$/m,
    );
  }
});

test("each board's default file names a board description the firmware has", (t) => {
  for (const board of ["bank8", "qemu-aarch64"]) {
    const m = /^YARDLINE_BOARD=([a-z0-9-]+)$/m.exec(
      read(`board/yardline/${board}/rootfs-overlay/etc/default/yardline-firmware`),
    );
    const name = m?.[1] ?? "";
    const dir = join(REPO, "board/descriptions");
    const sources = readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8"));
    t.true(
      sources.some((s) => s.includes(`name: "${name}"`)),
      `${board}: no board description named ${name}`,
    );
  }
});

(process.env.BUILDROOT_DIR ? test : test.skip)(
  "with a Buildroot checkout (BUILDROOT_DIR), Kconfig keeps every defconfig line",
  (t) => {
    const out = execFileSync("bash", [join(TREE, "check-defconfig.sh"), process.env.BUILDROOT_DIR as string], {
      encoding: "utf8",
    });
    t.notRegex(out, /dropped/);
  },
);

test("the bank-8 image names the ALSA card of every handset its board description opens", (t) => {
  const rules = read("board/yardline/bank8/rootfs-overlay/etc/udev/rules.d/70-yardline-handsets.rules");
  const named = [...rules.matchAll(/^SUBSYSTEM=="sound", KERNELS=="([^"]+)", ATTR\{id\}="([^"]+)"$/gm)];
  const cards = named.map((m) => m[2]);
  t.is(new Set(named.map((m) => m[1])).size, named.length, "one hub port per card");
  const wanted = bank8.handsets.map((h) =>
    h.audio?.kind === "alsa" ? /CARD=([^,]+)/.exec(h.audio.device)?.[1] : undefined,
  );
  t.is(wanted.length, 8);
  for (const card of wanted) t.true(card !== undefined && cards.includes(card), `card ${card} has a udev rule`);
});
