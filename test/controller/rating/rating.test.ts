import test from "ava";
import { parseDialled } from "../../../controller/domain/dialled.ts";
import { capFor, checkRateAgainstCap, loadCaps } from "../../../controller/rating/caps.ts";
import { computeCharge, formatMills } from "../../../controller/rating/charge.ts";
import { classify } from "../../../controller/rating/classify.ts";
import { rateDisclosure } from "../../../controller/rating/disclosure.ts";
import { snapshot } from "../domain/snapshot-fixture.ts";

const s = snapshot();
const lookup = (npa: string, nxx: string) => s.exchanges.get(npa + nxx);
const facility = s.facility;

function rate(dialled: string) {
  const d = parseDialled(dialled, "213");
  if (d.kind !== "nanp" && d.kind !== "international") throw new Error(dialled);
  return classify(d, facility, lookup);
}

test("one number of each call type is classified and rated to the cent", (t) => {
  // A 7 min 1 s call (421 s from acceptance) is 8 started minutes.
  const cases: Array<[string, string, string, number, number]> = [
    ["2132011234", "local", "Los Angeles, CA", 100, 80],
    ["6262001234", "local", "Pasadena, CA", 100, 80],
    ["3102001234", "intralata", "Santa Monica, CA", 105, 84],
    ["4152001234", "interlata", "San Francisco, CA", 110, 88],
    ["7022001234", "interstate", "Las Vegas, NV", 120, 96],
    ["4162001234", "international-canada", "Toronto, Canada", 140, 112],
    ["011525512345678", "international-mexico", "Mexico", 140, 112],
    ["011442071234567", "international-other", "United Kingdom", 140, 112],
  ];
  for (const [dialled, type, place, mills, cents] of cases) {
    const c = rate(dialled);
    t.is(c.callType as string, type, dialled);
    t.is(c.place, place, dialled);
    const charge = computeCharge(421, {
      rateId: "r",
      perMinuteMills: mills,
      billingIncrementSec: 60,
      effectiveFrom: "2025-12-05",
    });
    t.is(charge.billedUnits, 8);
    t.is(charge.amountCents, cents, `${dialled}: ${charge.explanation}`);
  }
});

test("an exchange missing from the NPA-NXX table is rated interstate; a Caribbean NANP number is international", (t) => {
  t.is(rate("5052001234").callType, "interstate");
  t.regex(rate("5052001234").basis, /not in the NPA-NXX table/);
  t.is(rate("8092001234").callType, "international-other");
});

test("charges round half-up to the cent once, at the end", (t) => {
  const r = (secs: number, mills: number, inc = 60) =>
    computeCharge(secs, { rateId: "r", perMinuteMills: mills, billingIncrementSec: inc, effectiveFrom: "2026-01-01" })
      .amountCents;
  t.is(r(60, 105), 11, "10.5¢ rounds up to 11¢");
  t.is(r(120, 105), 21);
  t.is(r(180, 105), 32, "31.5¢ rounds up");
  t.is(r(61, 105), 21, "a started second minute is billed");
  t.is(r(0, 105), 0, "nothing before acceptance");
  t.is(r(1, 105), 11);
  t.is(r(90, 120, 1), 18, "per-second billing: 90 s at 12¢/min");
  t.is(r(91, 105, 6), 17, "6-second increments: 96 s at 10.5¢/min = 16.8¢");
});

test("the charge explanation names the duration, the rate row and its date", (t) => {
  const c = computeCharge(421, {
    rateId: "rate-7",
    perMinuteMills: 110,
    billingIncrementSec: 60,
    effectiveFrom: "2025-12-05",
  });
  t.is(
    c.explanation,
    "421 s from acceptance; billed 8 started minutes at $0.11/min (rate rate-7, effective 2025-12-05) = $0.88, rounded half-up to the cent; no other fees",
  );
  t.is(formatMills(105), "$0.105");
});

test("FCC caps come from dated data by facility type and size", (t) => {
  const caps = loadCaps();
  t.is(capFor(caps, "prison", 5000, "2026-05-01")?.capMills, 110);
  t.is(capFor(caps, "jail", 1000, "2026-05-01")?.capMills, 100);
  t.is(capFor(caps, "jail", 999, "2026-05-01")?.capMills, 120);
  t.is(capFor(caps, "jail", 350, "2026-05-01")?.capMills, 120);
  t.is(capFor(caps, "jail", 349, "2026-05-01")?.capMills, 130);
  t.is(capFor(caps, "jail", 50, "2026-05-01")?.capMills, 150);
  t.is(capFor(caps, "jail", 49, "2026-05-01")?.capMills, 190);
  t.is(capFor(caps, "jail", 49, "2020-01-01")?.effectiveFrom, "2025-12-05", "a back-dated rate is still checked");
});

test("a rate above the applicable cap plus additive is refused with a clear error; at the limit it passes", (t) => {
  const caps = loadCaps();
  const prison = { facilityType: "prison" as const, averageDailyPopulation: 3000 };
  t.notThrows(() =>
    checkRateAgainstCap(caps, prison, {
      callType: "interstate",
      effectiveFrom: "2026-04-06",
      perMinuteMills: 130,
      terminationMills: 0,
    }),
  );
  const e = t.throws(() =>
    checkRateAgainstCap(caps, prison, {
      callType: "interstate",
      effectiveFrom: "2026-04-06",
      perMinuteMills: 131,
      terminationMills: 0,
    }),
  );
  t.is(
    e?.message,
    "rate $0.131/min for interstate calls from 2026-04-06 is above the FCC limit of $0.13/min — prison: cap $0.11 + additive $0.02 = $0.13/min (FCC 25-75 interim caps (compliance 2026-04-06), effective 2025-12-05)",
  );
  t.notThrows(() =>
    checkRateAgainstCap(caps, prison, {
      callType: "international-other",
      effectiveFrom: "2026-04-06",
      perMinuteMills: 200,
      terminationMills: 70,
    }),
  );
  t.throws(
    () =>
      checkRateAgainstCap(caps, prison, {
        callType: "local",
        effectiveFrom: "2026-04-06",
        perMinuteMills: 200,
        terminationMills: 70,
      }),
    undefined,
    "termination cost only counts for international calls",
  );
  const smallJail = { facilityType: "jail" as const, averageDailyPopulation: 30 };
  t.notThrows(() =>
    checkRateAgainstCap(caps, smallJail, {
      callType: "local",
      effectiveFrom: "2026-04-06",
      perMinuteMills: 210,
      terminationMills: 0,
    }),
  );
});

test("the disclosure gives the per-minute rate, says there are no other fees and that hanging up now is free", (t) => {
  const d = rateDisclosure("Yardline", 105, 60, false);
  t.regex(d.en, /10\.5 cents per minute \(\$0\.105\)/);
  t.regex(d.en, /no other fees/);
  t.regex(d.en, /hang up now at no charge/);
  t.regex(d.es, /10,5 centavos/);
  t.regex(d.es, /colgar ahora sin ningún costo/);
  t.regex(rateDisclosure("Yardline", 0, 60, true).en, /free of charge/);
});
