/**
 * NPA-NXX exchange data from CSV: npa,nxx,state,lata,rate_center,city[,country]. Rows replace
 * existing ones with the same (npa, nxx).
 */
import type { DomainStore } from "../store/domain-store.ts";
import { parseCsvObjects } from "./csv.ts";
import { type Checked, type ImportOptions, type ImportReport, runImport } from "./report.ts";

interface Exchange {
  npa: string;
  nxx: string;
  state: string;
  lata: string;
  rateCenter: string;
  city: string;
  country: string;
}

export async function importNpaNxx(ds: DomainStore, csv: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const started = performance.now();
  const checked: Checked<Exchange>[] = [];
  const seen = new Set<string>();
  for (const { line, row } of parseCsvObjects(csv)) {
    const npa = row.npa ?? "";
    const nxx = row.nxx ?? "";
    let reason: string | undefined;
    if (!/^[2-9]\d\d$/.test(npa)) reason = `npa "${npa}" is not a 3-digit area code`;
    else if (!/^[2-9]\d\d$/.test(nxx)) reason = `nxx "${nxx}" is not a 3-digit exchange`;
    else if (!row.state) reason = "state is empty";
    else if (!row.lata) reason = "lata is empty";
    else if (!row.rate_center) reason = "rate_center is empty";
    else if (seen.has(npa + nxx)) reason = `${npa}-${nxx} appears twice`;
    if (reason) {
      checked.push({ ok: false, line, reason });
      continue;
    }
    seen.add(npa + nxx);
    checked.push({
      ok: true,
      line,
      value: {
        npa,
        nxx,
        state: (row.state ?? "").toUpperCase(),
        lata: row.lata ?? "",
        rateCenter: (row.rate_center ?? "").toUpperCase(),
        city: row.city || (row.rate_center ?? ""),
        country: (row.country || "US").toUpperCase(),
      },
    });
  }
  const report = await runImport(
    ds.db,
    "NPA-NXX",
    checked,
    { batchSize: 1000, ...opts },
    async (tx, batch) => {
      await tx
        .insertInto("npaNxx")
        .values(batch)
        .onConflict((oc) =>
          oc.columns(["npa", "nxx"]).doUpdateSet((eb) => ({
            state: eb.ref("excluded.state"),
            lata: eb.ref("excluded.lata"),
            rateCenter: eb.ref("excluded.rateCenter"),
            city: eb.ref("excluded.city"),
            country: eb.ref("excluded.country"),
          })),
        )
        .execute();
    },
    started,
  );
  ds.changed(null);
  return report;
}
