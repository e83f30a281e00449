/**
 * The lab serves the admin UI from web/dist (lab/lab.ts). A browser test against the lab needs
 * that build to be the current UI, and two test processes must never build it at once (one would
 * empty the directory under the other). This builds it only when a UI source file is newer than
 * the build, under a lock file, into a fresh directory that then replaces web/dist by rename, so
 * a server already serving web/dist never sees it half-written.
 */
import { closeSync, existsSync, openSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../../lab/lab.ts";
import { buildWeb } from "../../web/build.ts";

const webDir = path.join(ROOT, "web");
const dist = path.join(webDir, "dist");
const lockFile = path.join(webDir, ".dist-build.lock");
/** A lock older than this was left by a process that died mid-build (a build takes seconds). */
const STALE_LOCK_MS = 5 * 60_000;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "dist" || entry.name.startsWith(".") || entry.name.startsWith("dist.")) continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** The UI's sources and the controller code it bundles (schemas, domain constants). */
const sources = [webDir, path.join(ROOT, "controller", "api", "schemas"), path.join(ROOT, "controller", "domain")];

function upToDate(): boolean {
  const index = path.join(dist, "index.html");
  return existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources.map(newestSource));
}

async function acquire(): Promise<number> {
  for (;;) {
    try {
      return openSync(lockFile, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      try {
        if (Date.now() - statSync(lockFile).mtimeMs > STALE_LOCK_MS) unlinkSync(lockFile);
      } catch {
        // Released meanwhile.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function ensureWebDist(): Promise<void> {
  if (upToDate()) return;
  const fd = await acquire();
  try {
    if (upToDate()) return;
    const fresh = `${dist}.build-${process.pid}`;
    const old = `${dist}.old-${process.pid}`;
    await buildWeb(fresh);
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(fresh, dist);
    rmSync(old, { recursive: true, force: true });
  } finally {
    closeSync(fd);
    unlinkSync(lockFile);
  }
}
