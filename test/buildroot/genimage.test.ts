import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import test from "ava";
import { hasTool, read, TREE } from "./tree-support.ts";

const BOARDS = readdirSync(join(TREE, "board/yardline")).filter((b) => {
  try {
    read(`board/yardline/${b}/genimage.cfg`);
    return true;
  } catch {
    return false;
  }
});

interface Plan {
  /** Files a vfat image copies from the input directory. */
  files: string[];
  /** Images partitions use that the cfg does not build itself (made by Buildroot). */
  inputs: string[];
  /** The final disk image and its partitions, in order. */
  disk: string;
  partitions: Array<{ name: string; type: number; bootable: boolean }>;
  align: number | undefined;
}

function parseSize(s: string): number {
  const m = /^(\d+)([KMG]?)$/.exec(s);
  if (!m) throw new Error(`size ${s}`);
  const mult = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] as "" | "K" | "M" | "G"];
  return Number(m[1]) * mult;
}

/** Reads what a dry run needs from a genimage.cfg (its own small grammar, libconfuse). */
function plan(cfg: string): Plan {
  const built = [...cfg.matchAll(/^image\s+(\S+)\s*\{/gm)].map((m) => m[1] as string);
  const used = [...cfg.matchAll(/^\s*image\s*=\s*"([^"]+)"/gm)].map((m) => m[1] as string);
  const filesBlock = /files\s*=\s*\{([^}]*)\}/.exec(cfg)?.[1] ?? "";
  const files = [...filesBlock.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string);
  const diskMatch = /^image\s+(\S+)\s*\{\s*hdimage\s*\{([^}]*)\}/m.exec(cfg);
  if (!diskMatch) throw new Error("no hdimage");
  const align = /align\s*=\s*(\S+)/.exec(diskMatch[2] ?? "")?.[1];
  const partitions = [...cfg.matchAll(/partition\s+(\S+)\s*\{([^}]*)\}/g)].map((m) => {
    const body = m[2] as string;
    return {
      name: m[1] as string,
      type: Number(/partition-type\s*=\s*(0x[0-9A-Fa-f]+)/.exec(body)?.[1] ?? Number.NaN),
      bootable: /bootable\s*=\s*"true"/.test(body),
    };
  });
  return {
    files,
    inputs: used.filter((u) => !built.includes(u)),
    disk: diskMatch[1] as string,
    partitions,
    align: align ? parseSize(align) : undefined,
  };
}

/** The four primary entries of an MBR (type, bootable flag, first sector, sector count). */
function readMbr(file: string) {
  const buf = Buffer.alloc(512);
  const fd = openSync(file, "r");
  try {
    readSync(fd, buf, 0, 512, 0);
  } finally {
    closeSync(fd);
  }
  if (buf.readUInt16LE(510) !== 0xaa55) throw new Error("no MBR signature");
  return [0, 1, 2, 3]
    .map((i) => buf.subarray(446 + 16 * i, 462 + 16 * i))
    .map((e) => ({
      bootable: e[0] === 0x80,
      type: e[4] as number,
      start: e.readUInt32LE(8),
      sectors: e.readUInt32LE(12),
    }))
    .filter((p) => p.type !== 0);
}

for (const board of BOARDS) {
  (hasTool("genimage") ? test : test.skip)(`${board}/genimage.cfg builds a disk image from placeholder inputs`, (t) => {
    const cfg = read(`board/yardline/${board}/genimage.cfg`);
    const p = plan(cfg);
    const dir = mkdtempSync(join(tmpdir(), "yardline-genimage-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const [input, root, tmp, out] = ["input", "root", "tmp", "images"].map((d) => join(dir, d)) as [
      string,
      string,
      string,
      string,
    ];
    for (const d of [input, root, tmp, out]) mkdirSync(d);
    for (const f of p.files) {
      const path = join(input, f);
      // "overlays" is a directory of device-tree overlays in the Pi firmware layout.
      if (f.endsWith("/overlays")) {
        mkdirSync(path, { recursive: true });
        writeFileSync(join(path, "placeholder.dtbo"), "dtbo");
      } else {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, Buffer.alloc(4096, 0x5a));
      }
    }
    for (const f of p.inputs) {
      // A real (small) ext4, as Buildroot's rootfs.ext4 would be.
      execFileSync("truncate", ["-s", "16M", join(input, f)]);
      execFileSync("mke2fs", ["-q", "-t", "ext4", "-F", join(input, f)]);
    }
    execFileSync(
      "genimage",
      [
        "--rootpath",
        root,
        "--tmppath",
        tmp,
        "--inputpath",
        input,
        "--outputpath",
        out,
        "--config",
        join(TREE, `board/yardline/${board}/genimage.cfg`),
      ],
      { stdio: "pipe" },
    );
    const parts = readMbr(join(out, p.disk));
    t.is(parts.length, p.partitions.length);
    parts.forEach((part, i) => {
      const want = p.partitions[i];
      t.is(part.type, want?.type ?? -1, `${want?.name} type`);
      t.is(part.bootable, want?.bootable ?? false, `${want?.name} boot flag`);
      if (p.align) t.is((part.start * 512) % p.align, 0, `${want?.name} starts on a ${p.align}-byte boundary`);
      const next = parts[i + 1];
      if (next) t.true(part.start + part.sectors <= next.start, `${want?.name} overlaps the next partition`);
    });
  });
}

test("the dry run covers both boards", (t) => {
  t.deepEqual(BOARDS.sort(), ["bank8", "qemu-aarch64"]);
});
