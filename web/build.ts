/**
 * Builds the UI with vite (the tests call this, CI has no separate build step).
 * `npx tsx web/build.ts [outDir]`.
 */
import path from "node:path";
import { build } from "vite";

export async function buildWeb(outDir = path.join(import.meta.dirname, "dist")): Promise<string> {
  await build({
    configFile: path.join(import.meta.dirname, "vite.config.ts"),
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const started = performance.now();
  buildWeb(process.argv[2] ? path.resolve(process.argv[2]) : undefined).then(
    (dir) => console.log(`web UI built in ${Math.round(performance.now() - started)} ms: ${dir}`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
