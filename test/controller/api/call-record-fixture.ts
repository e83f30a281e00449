/**
 * A call record as the call flow leaves one, for tests of the reports and the screens that read
 * call records: John Miller at facility A's first dayroom set, one completed minute to his
 * family's number at 21 cents. `over` changes any field. The local date and time are read at
 * UTC−8 (Los Angeles in winter), right for the March dates the tests use.
 */
import { DEMO_INMATES, DEMO_NUMBERS } from "../../../controller/domain/seed.ts";
import type { DomainStore } from "../../../controller/store/domain-store.ts";
import type { NewCallRecord } from "../../../controller/store/schema.ts";
import { facilityA } from "./app-harness.ts";

export async function insertCallRecord(
  ds: DomainStore,
  id: string,
  over: Partial<NewCallRecord> & { startedAt: number },
): Promise<void> {
  const local = new Date(over.startedAt - 8 * 3600_000).toISOString();
  await ds.db
    .insertInto("callRecords")
    .values({
      id,
      status: "completed",
      facilityId: facilityA,
      facilityName: "Yardline Demo County Jail",
      timeZone: "America/Los_Angeles",
      stationId: "demo-st-1",
      stationSetNumber: 1,
      stationLocation: "Unit A dayroom, set 1",
      phoneBankId: "demo-bank-a",
      inmateId: DEMO_INMATES[0].id,
      inmateName: "John Miller",
      dialledDigits: DEMO_NUMBERS.family.slice(2),
      destination: DEMO_NUMBERS.family,
      callType: "local",
      trunk: "local",
      localDate: local.slice(0, 10),
      localTime: local.slice(11, 19),
      answeredAt: over.startedAt + 5000,
      acceptedAt: over.startedAt + 8000,
      endedAt: over.startedAt + 68_000,
      durationSec: 60,
      decision: "allowed",
      chargeCents: 21,
      recorderChannel: "rec-1",
      ...over,
    })
    .execute();
}
