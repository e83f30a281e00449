/**
 * Generates every static prompt part into one directory, named by content hash
 * (`<hash>.wav`), so a rebuild only synthesizes what changed and identical text is made once.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { allParts, LANGS, type Lang } from "./catalogue.ts";
import { promptHash, synthesizePrompt } from "./synthesize.ts";

export interface BuildPromptsOptions {
  langs?: readonly Lang[];
  /** Only these parts (part names as in `allParts`); default all. */
  parts?: readonly string[];
  /** Parallel synthesis jobs. Default 2. */
  concurrency?: number;
  /** Delete generated files no part uses any more (only when building every part). */
  prune?: boolean;
}

export interface BuildPromptsResult {
  built: string[];
  skipped: string[];
  removed: string[];
}

/** Where a generated part lives: `<dir>/<hash>.wav`. */
export function generatedFile(dir: string, text: string, lang: Lang): string {
  return join(dir, `${promptHash(text, lang)}.wav`);
}

export const MANIFEST = "manifest.json";

export async function buildPrompts(outDir: string, opts: BuildPromptsOptions = {}): Promise<BuildPromptsResult> {
  await mkdir(outDir, { recursive: true });
  const wanted = opts.parts ? new Set(opts.parts) : undefined;
  const jobs = new Map<string, { text: string; lang: Lang }>();
  const manifest: Record<string, Record<string, { text: string; file: string }>> = {};
  for (const lang of opts.langs ?? LANGS) {
    const entries: Record<string, { text: string; file: string }> = {};
    for (const [part, text] of allParts(lang)) {
      if (wanted && !wanted.has(part)) continue;
      const file = generatedFile(outDir, text, lang);
      entries[part] = { text, file: file.slice(outDir.length + 1) };
      jobs.set(file, { text, lang });
    }
    manifest[lang] = entries;
  }
  if (wanted) {
    const known = new Set(LANGS.flatMap((l) => [...allParts(l).keys()]));
    const unknown = [...wanted].filter((p) => !known.has(p));
    if (unknown.length > 0) throw new RangeError(`unknown prompt parts: ${unknown.join(", ")}`);
  }

  const result: BuildPromptsResult = { built: [], skipped: [], removed: [] };
  const queue = [...jobs.entries()];
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const [file, { text, lang }] = job;
      if (existsSync(file)) {
        result.skipped.push(file);
        continue;
      }
      await synthesizePrompt(text, lang, file);
      result.built.push(file);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 2) }, worker));

  const complete = !wanted && !opts.langs;
  if (opts.prune && complete) {
    for (const name of await readdir(outDir)) {
      const full = join(outDir, name);
      if ((/^[0-9a-f]{24}\.wav$/.test(name) && !jobs.has(full)) || name.startsWith(".tmp-")) {
        await rm(full, { force: true });
        result.removed.push(full);
      }
    }
  }
  // For people and the admin UI: which part is which file. Lookups recompute the hash instead.
  if (complete) await writeFile(join(outDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return result;
}
