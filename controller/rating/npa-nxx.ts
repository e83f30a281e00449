/**
 * NPA-NXX exchange data: (area code, exchange) → state, LATA, rate center, city, country.
 * Full data is licensed; controller/data/npa-nxx-sample.csv is a small illustrative sample.
 */
import path from "node:path";
import type { DomainStore } from "../store/domain-store.ts";
import type { ExchangeInfo } from "./classify.ts";

export const SAMPLE_NPA_NXX_FILE = path.join(import.meta.dirname, "..", "data", "npa-nxx-sample.csv");

export async function loadExchanges(ds: DomainStore): Promise<Map<string, ExchangeInfo>> {
  const rows = await ds.db.selectFrom("npaNxx").selectAll().execute();
  return new Map(rows.map((r) => [r.npa + r.nxx, r]));
}

export async function lookupExchange(ds: DomainStore, npa: string, nxx: string): Promise<ExchangeInfo | undefined> {
  return ds.db.selectFrom("npaNxx").selectAll().where("npa", "=", npa).where("nxx", "=", nxx).executeTakeFirst();
}
