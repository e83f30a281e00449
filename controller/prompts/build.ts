/**
 * Builds every prompt: `npx tsx controller/prompts/build.ts [outDir]`.
 * Skips parts already built (content-hash names), removes files no part uses any more, and
 * exits non-zero if anything is still missing afterwards.
 */
import { fileURLToPath } from "node:url";
import { buildPrompts } from "./build-prompts.ts";
import { PromptLibrary } from "./library.ts";

/** Where the controller looks for generated prompts unless configured otherwise. */
export const DEFAULT_GENERATED_DIR = fileURLToPath(new URL("./generated", import.meta.url));

async function main(): Promise<number> {
  const outDir = process.argv[2] ?? DEFAULT_GENERATED_DIR;
  const t0 = performance.now();
  const result = await buildPrompts(outDir, { prune: true });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(
    `prompts: ${result.built.length} built, ${result.skipped.length} already present, ` +
      `${result.removed.length} stale removed in ${seconds} s → ${outDir}`,
  );
  const check = new PromptLibrary({ generatedDir: outDir, overrideDir: `${outDir}-overrides` }).checkPrompts();
  if (check.missing.length > 0) {
    console.error(`missing after build: ${check.missing.map((m) => `${m.lang}/${m.part}`).join(", ")}`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
