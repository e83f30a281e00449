/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp dir, start on a free port on
 * 127.0.0.1, create a database, return its connection string; stop() stops it by pid and
 * removes the dir. As root, the server runs as the `postgres` OS user (PostgreSQL refuses
 * root). Without PostgreSQL binaries this throws: CI installs postgresql and the tests must
 * fail loudly rather than skip.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface PgCluster {
  connectionString: string;
  /** A fresh empty database on the same cluster. */
  createDatabase(name: string): string;
  stop(): Promise<void>;
}

function binDir(): string {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv && existsSync(path.join(fromEnv, "initdb"))) return fromEnv;
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(path.join(root, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(root, versions[0], "bin");
  }
  const which = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" });
  if (which.status === 0 && which.stdout.trim()) return path.dirname(which.stdout.trim());
  throw new Error("PostgreSQL binaries (initdb, pg_ctl) not found: install postgresql (CI does) or set PG_BIN");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (a && typeof a === "object" ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}

export async function startPostgres(): Promise<PgCluster> {
  const bin = binDir();
  const root = mkdtempSync(path.join(os.tmpdir(), "yardline-pg-"));
  const data = path.join(root, "data");
  const asRoot = process.getuid?.() === 0;
  let uid: number | undefined;
  let gid: number | undefined;
  if (asRoot) {
    uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(root, uid, gid);
  }
  chmodSync(root, 0o700);
  const run = (cmd: string, args: string[]) => {
    const full = asRoot
      ? ["runuser", ["-u", "postgres", "--", path.join(bin, cmd), ...args]]
      : [path.join(bin, cmd), args];
    const r = spawnSync(full[0] as string, full[1] as string[], { encoding: "utf8", cwd: root });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"]);
  const port = await freePort();
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -k ${root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  run("pg_ctl", ["-D", data, "-o", opts, "-l", path.join(root, "log"), "-w", "-t", "60", "start"]);
  const pid = Number(readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  const base = `postgres://postgres@127.0.0.1:${port}`;
  const createDatabase = (name: string) => {
    run("psql", [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-U",
      "postgres",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      `CREATE DATABASE "${name}"`,
    ]);
    return `${base}/${name}`;
  };
  const connectionString = createDatabase("yardline_test");
  let stopped = false;
  // If the test process dies before stop() (an uncaught exception ends an ava worker at once),
  // still stop the server and remove its files.
  const onExit = () => {
    if (stopped) return;
    stopped = true;
    try {
      process.kill(pid, "SIGQUIT");
    } catch {
      // already gone
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  return {
    connectionString,
    createDatabase,
    async stop() {
      process.removeListener("exit", onExit);
      if (stopped) return;
      stopped = true;
      try {
        // SIGINT: PostgreSQL's "fast" shutdown.
        process.kill(pid, "SIGINT");
        for (let i = 0; i < 200; i++) {
          try {
            process.kill(pid, 0);
          } catch {
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      } catch {
        // already gone
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
