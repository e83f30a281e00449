/** Reading the br2-external tree for the lint tests. */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const TREE = fileURLToPath(new URL("../../buildroot/", import.meta.url));
export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const EXTERNAL_VAR = "$(BR2_EXTERNAL_YARDLINE_PATH)";
export const EXTERNAL_KCONFIG_VAR = "$BR2_EXTERNAL_YARDLINE_PATH";

export function read(path: string): string {
  return readFileSync(join(TREE, path), "utf8");
}

/** Every file under the tree, as paths relative to it. */
export function walk(dir = TREE): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else out.push(relative(TREE, full));
  }
  return out.sort();
}

export function isExecutable(path: string): boolean {
  return (statSync(join(TREE, path)).mode & 0o111) !== 0;
}

export function hasTool(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Lines that are not blank or comments, with their numbers. */
export function meaningfulLines(text: string): Array<{ n: number; line: string }> {
  return text
    .split("\n")
    .map((line, i) => ({ n: i + 1, line }))
    .filter(({ line }) => line.trim() !== "" && !line.trimStart().startsWith("#"));
}

export type DefconfigEntry = { symbol: string; value: string | null; n: number };

/**
 * Parses a defconfig: `BR2_X=value` or `# BR2_X is not set` (value null); other `#` lines are
 * comments. Throws on any other line.
 */
export function parseDefconfig(text: string): DefconfigEntry[] {
  const out: DefconfigEntry[] = [];
  text.split("\n").forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === "") return;
    const unset = /^# (BR2_[A-Za-z0-9_]+) is not set$/.exec(line);
    if (unset) {
      out.push({ symbol: unset[1] as string, value: null, n });
      return;
    }
    if (line.startsWith("#")) return;
    const set = /^(BR2_[A-Za-z0-9_]+)=(y|m|-?[0-9]+|0x[0-9a-fA-F]+|"(?:[^"\\]|\\.)*")$/.exec(line);
    if (!set) throw new Error(`line ${n} is not a defconfig entry: ${line}`);
    out.push({ symbol: set[1] as string, value: set[2] as string, n });
  });
  return out;
}

/** `$(BR2_EXTERNAL_YARDLINE_PATH)/...` paths inside a value, as paths relative to the tree. */
export function externalPaths(value: string): string[] {
  return value
    .replace(/^"|"$/g, "")
    .split(/\s+/)
    .filter((w) => w.startsWith(`${EXTERNAL_VAR}/`))
    .map((w) => w.slice(EXTERNAL_VAR.length + 1));
}
