/**
 * A small RFC 4180 CSV reader: quoted fields with doubled quotes, commas and line breaks inside
 * quotes, CRLF or LF, a UTF-8 BOM. Each record keeps the line it started on so rejected rows
 * can be reported by line number.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

export function* parseCsv(text: string): Generator<CsvRecord> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  // Position of the next quote at or after i (-1: none left); found once, not once per line.
  let nextQuote = text.indexOf('"', i);
  while (i < n) {
    // Fast path: a record on one line with no quotes is a plain split (most rows of most files).
    let eol = text.indexOf("\n", i);
    if (eol === -1) eol = n;
    const end = eol > i && text.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
    if (nextQuote !== -1 && nextQuote < i) nextQuote = text.indexOf('"', i);
    if (nextQuote === -1 || nextQuote >= end) {
      const startLine = line;
      line++;
      const plain = text.slice(i, end);
      i = eol + 1;
      if (plain === "") continue;
      yield { line: startLine, fields: plain.split(",") };
      continue;
    }
    const startLine = line;
    const fields: string[] = [];
    let field = "";
    for (;;) {
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) throw new CsvError(startLine, "quoted field is not closed");
          const c = text[i] as string;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === "\n") line++;
          field += c;
          i++;
        }
        const after = text[i];
        if (after !== undefined && after !== "," && after !== "\n" && after !== "\r") {
          throw new CsvError(startLine, "text after a closing quote");
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === 44 || c === 10 || c === 13) break;
          j++;
        }
        field += text.slice(i, j);
        i = j;
      }
      const c = text[i];
      if (c === ",") {
        fields.push(field);
        field = "";
        i++;
        continue;
      }
      fields.push(field);
      if (c === "\r") i++;
      if (text[i] === "\n") i++;
      line++;
      break;
    }
    if (fields.length === 1 && fields[0] === "") continue;
    yield { line: startLine, fields };
  }
}

/** Records as objects keyed by the header row (lower-cased, trimmed). */
export function* parseCsvObjects(
  text: string,
): Generator<{ line: number; row: Record<string, string>; extra: boolean }> {
  let header: string[] | undefined;
  for (const rec of parseCsv(text)) {
    if (!header) {
      header = rec.fields.map((h) => h.trim().toLowerCase());
      continue;
    }
    const row: Record<string, string> = {};
    for (let k = 0; k < header.length; k++) row[header[k] as string] = (rec.fields[k] ?? "").trim();
    yield { line: rec.line, row, extra: rec.fields.length > header.length };
  }
}
