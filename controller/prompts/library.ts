/**
 * Finding the file to play for a prompt, with administrator replacements on top of the
 * generated set.
 *
 * "The contractor shall provide the State with the capability to change all voice messages
 * provided by the system at no cost to the State." (IWTS, Capability to Change Messages)
 *
 * Layout:
 *   <generatedDir>/<hash>.wav             built from the catalogue (build-prompts.ts)
 *   <generatedDir>/custom/<hash>.wav      facility / provider names, synthesized when configured
 *   <overrideDir>/<lang>/<part>.wav       uploaded by an administrator; wins over the above
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { checkPromptWav, type PromptWavInfo, WavFormatError } from "../recordings/wav.ts";
import { generatedFile } from "./build-prompts.ts";
import { allParts, LANGS, type Lang, type Placeholder, type PromptId, promptPieces } from "./catalogue.ts";
import { sayAmountIds, sayKeyIds, sayMinutesIds, sayNumberIds } from "./numbers.ts";
import { synthesizePrompt } from "./synthesize.ts";

export interface PromptLibraryOptions {
  generatedDir: string;
  overrideDir: string;
}

/** Files filling a prompt's placeholders, in play order. */
export type PromptValues = Partial<Record<Placeholder, readonly string[]>>;

export interface MissingPrompt {
  part: string;
  lang: Lang;
  file: string;
}

export interface BadOverride {
  part: string;
  lang: Lang;
  file: string;
  error: string;
}

export interface PromptCheck {
  /** Parts with neither an override nor a generated file: playing them would be silence. */
  missing: MissingPrompt[];
  /** Override files present but unplayable; the generated file is used instead. */
  badOverrides: BadOverride[];
  total: number;
}

/** Override names for configuration-time prompts (facility and provider names). */
const CUSTOM_PREFIX = "custom.";
const CUSTOM_KEY = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Enough of a file to hold RIFF, fmt (even extensible) and the data chunk header. */
const HEADER_PROBE_BYTES = 4096;

export class PromptError extends Error {
  override readonly name = "PromptError";
  readonly code: "unknown-part" | "missing-value" | "invalid-wav";
  constructor(code: PromptError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

export class PromptLibrary {
  private readonly generatedDir: string;
  private readonly overrideDir: string;
  private readonly parts: Record<Lang, Map<string, string>>;
  /** Override checks by path, keyed on size and mtime so a replaced file is checked again. */
  private readonly overrideChecks = new Map<string, { stamp: string; error: string | undefined }>();

  constructor(opts: PromptLibraryOptions) {
    this.generatedDir = opts.generatedDir;
    this.overrideDir = opts.overrideDir;
    this.parts = { en: allParts("en"), es: allParts("es") };
  }

  /** The text a part speaks (for the admin UI), or undefined if there is no such part. */
  partText(part: string, lang: Lang): string | undefined {
    return this.parts[lang].get(part);
  }

  /** Every part of a language, name → text. */
  listParts(lang: Lang): ReadonlyMap<string, string> {
    return this.parts[lang];
  }

  private overrideFile(part: string, lang: Lang): string {
    return join(this.overrideDir, lang, `${part}.wav`);
  }

  /**
   * Whether an override exists: undefined if not, else the reason it cannot play ("" if fine).
   * Only the header is read (files copied in by hand bypass `installOverride`'s check).
   */
  private overrideProblem(file: string): string | undefined {
    let stamp: string;
    let size: number;
    try {
      const st = statSync(file);
      size = st.size;
      stamp = `${st.size}:${st.mtimeMs}`;
    } catch {
      this.overrideChecks.delete(file);
      return undefined;
    }
    const cached = this.overrideChecks.get(file);
    if (cached?.stamp === stamp) return cached.error ?? "";
    const head = Buffer.alloc(Math.min(size, HEADER_PROBE_BYTES));
    const fd = openSync(file, "r");
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    let error: string | undefined;
    try {
      checkPromptWav(head);
    } catch (err) {
      error = (err as Error).message;
    }
    this.overrideChecks.set(file, { stamp, error });
    return error ?? "";
  }

  /**
   * The file to play for one part: the administrator's upload if there is one and it is
   * playable, else the generated file. Returns the generated path even when it is missing
   * (see `checkPrompts`).
   */
  resolvePrompt(part: string, lang: Lang): string {
    const text = this.parts[lang].get(part);
    if (text === undefined) throw new PromptError("unknown-part", `no prompt part ${part} in ${lang}`);
    const override = this.overrideFile(part, lang);
    if (this.overrideProblem(override) === "") return override;
    return generatedFile(this.generatedDir, text, lang);
  }

  /** Files that speak prompt `id`, placeholders filled from `values`. */
  render(id: PromptId, lang: Lang, values: PromptValues = {}): string[] {
    const out: string[] = [];
    for (const piece of promptPieces(id, lang)) {
      if (piece.kind === "text") {
        out.push(this.resolvePrompt(piece.part, lang));
        continue;
      }
      const files = values[piece.name];
      if (!files) throw new PromptError("missing-value", `${id} needs a value for {${piece.name}}`);
      out.push(...files);
    }
    return out;
  }

  sayNumber(n: number, lang: Lang): string[] {
    return sayNumberIds(n, lang).map((id) => this.resolvePrompt(id, lang));
  }

  sayAmount(cents: number, lang: Lang): string[] {
    return sayAmountIds(cents, lang).map((id) => this.resolvePrompt(id, lang));
  }

  sayMinutes(minutes: number, lang: Lang): string[] {
    return sayMinutesIds(minutes, lang).map((id) => this.resolvePrompt(id, lang));
  }

  sayKey(key: string, lang: Lang): string[] {
    return sayKeyIds(key).map((id) => this.resolvePrompt(id, lang));
  }

  /**
   * A configuration-time prompt such as the facility name (`key` "facility-name"): the
   * administrator's recording `custom.<key>` if uploaded, else `text` synthesized once and
   * kept by content hash. Call when the setting changes, not during a call.
   */
  async customPrompt(key: string, text: string, lang: Lang): Promise<string> {
    if (!CUSTOM_KEY.test(key)) throw new PromptError("unknown-part", `bad custom prompt key ${key}`);
    const override = this.overrideFile(`${CUSTOM_PREFIX}${key}`, lang);
    if (this.overrideProblem(override) === "") return override;
    const file = generatedFile(join(this.generatedDir, "custom"), text, lang);
    if (!existsSync(file)) await synthesizePrompt(text, lang, file);
    return file;
  }

  private checkOverrideName(part: string, lang: Lang): void {
    const custom = part.startsWith(CUSTOM_PREFIX) && CUSTOM_KEY.test(part.slice(CUSTOM_PREFIX.length));
    if (!custom && !this.parts[lang].has(part))
      throw new PromptError("unknown-part", `no prompt part ${part} in ${lang}`);
  }

  /**
   * Stores an administrator's recording for a part after checking it plays on a phone leg
   * (8 kHz mono, 16-bit PCM or µ-law). Written atomically: a call never plays half an upload.
   */
  async installOverride(part: string, lang: Lang, wav: Buffer): Promise<PromptWavInfo> {
    this.checkOverrideName(part, lang);
    let info: PromptWavInfo;
    try {
      info = checkPromptWav(wav);
    } catch (err) {
      if (err instanceof WavFormatError) throw new PromptError("invalid-wav", `${err.code}: ${err.message}`);
      throw err;
    }
    const file = this.overrideFile(part, lang);
    await mkdir(join(this.overrideDir, lang), { recursive: true });
    const tmp = `${file}.${process.pid}.upload`;
    await writeFile(tmp, wav);
    await rename(tmp, file);
    return info;
  }

  /** Goes back to the generated prompt. Returns whether an override existed. */
  async removeOverride(part: string, lang: Lang): Promise<boolean> {
    this.checkOverrideName(part, lang);
    const file = this.overrideFile(part, lang);
    const existed = existsSync(file);
    await rm(file, { force: true });
    return existed;
  }

  /**
   * Which parts have no playable file, so the controller can raise an alert instead of
   * playing silence. Reads every override header; generated files are only checked to exist.
   */
  checkPrompts(langs: readonly Lang[] = LANGS): PromptCheck {
    const result: PromptCheck = { missing: [], badOverrides: [], total: 0 };
    for (const lang of langs) {
      for (const [part, text] of this.parts[lang]) {
        result.total++;
        const override = this.overrideFile(part, lang);
        const problem = this.overrideProblem(override);
        if (problem === "") continue;
        if (problem !== undefined) result.badOverrides.push({ part, lang, file: override, error: problem });
        const file = generatedFile(this.generatedDir, text, lang);
        if (!existsSync(file)) result.missing.push({ part, lang, file });
      }
    }
    return result;
  }
}
