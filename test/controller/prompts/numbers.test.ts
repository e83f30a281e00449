import test from "ava";
import { promptText } from "../../../controller/prompts/catalogue.ts";
import { sayAmountIds, sayKeyIds, sayMinutesIds, sayNumberIds } from "../../../controller/prompts/numbers.ts";
import type { Lang } from "../../../controller/prompts/catalogue.ts";

/** What a sequence of word prompts says, to compare against a sentence. */
function spoken(ids: readonly string[], lang: Lang): string {
  return ids
    .map((id) => {
      const text = promptText(id, lang);
      if (text === undefined) throw new Error(`no prompt ${id}`);
      return text;
    })
    .join(" ");
}

test("an amount is spoken as words: twenty one cents per minute", (t) => {
  t.is(spoken(sayAmountIds(21, "en"), "en"), "twenty one cents");
  t.is(spoken(sayAmountIds(21, "es"), "es"), "veintiún centavos");
});

test("one cent and one dollar take the singular noun", (t) => {
  t.is(spoken(sayAmountIds(1, "en"), "en"), "one cent");
  t.is(spoken(sayAmountIds(1, "es"), "es"), "un centavo");
  t.is(spoken(sayAmountIds(100, "en"), "en"), "one dollar");
  t.is(spoken(sayAmountIds(100, "es"), "es"), "un dólar");
});

test("dollars and cents are joined: one dollar and five cents / un dólar con cinco centavos", (t) => {
  t.is(spoken(sayAmountIds(105, "en"), "en"), "one dollar and five cents");
  t.is(spoken(sayAmountIds(105, "es"), "es"), "un dólar con cinco centavos");
  t.is(spoken(sayAmountIds(3121, "en"), "en"), "thirty one dollars and twenty one cents");
  t.is(spoken(sayAmountIds(3121, "es"), "es"), "treinta y un dólares con veintiún centavos");
});

test("a free call costs zero cents", (t) => {
  t.is(spoken(sayAmountIds(0, "en"), "en"), "zero cents");
  t.is(spoken(sayAmountIds(0, "es"), "es"), "cero centavos");
});

test("fractions of a cent and negative amounts are refused", (t) => {
  t.throws(() => sayAmountIds(12.5, "en"), { instanceOf: RangeError });
  t.throws(() => sayAmountIds(-1, "en"), { instanceOf: RangeError });
});

test("numbers: Spanish says cien alone and ciento before more", (t) => {
  t.is(spoken(sayNumberIds(100, "es"), "es"), "cien");
  t.is(spoken(sayNumberIds(101, "es"), "es"), "ciento uno");
  t.is(spoken(sayNumberIds(121, "en"), "en"), "one hundred twenty one");
  t.is(spoken(sayNumberIds(999, "es"), "es"), "novecientos noventa y nueve");
  t.is(spoken(sayNumberIds(500, "es"), "es"), "quinientos");
});

test("numbers: thousands, with mil never preceded by un", (t) => {
  t.is(spoken(sayNumberIds(1000, "es"), "es"), "mil");
  t.is(spoken(sayNumberIds(1000, "en"), "en"), "one thousand");
  t.is(spoken(sayNumberIds(21_000, "es"), "es"), "veintiún mil");
  t.is(spoken(sayNumberIds(2015, "en"), "en"), "two thousand fifteen");
  t.is(spoken(sayNumberIds(2015, "es"), "es"), "dos mil quince");
  t.is(spoken(sayNumberIds(999_999, "en"), "en"), "nine hundred ninety nine thousand nine hundred ninety nine");
});

test("numbers below twenty and round tens are single words", (t) => {
  t.deepEqual(sayNumberIds(0, "en"), ["num.0"]);
  t.deepEqual(sayNumberIds(16, "es"), ["num.16"]);
  t.is(spoken(sayNumberIds(16, "es"), "es"), "dieciséis");
  t.is(spoken(sayNumberIds(40, "en"), "en"), "forty");
  t.is(spoken(sayNumberIds(31, "es"), "es"), "treinta y uno");
});

test("numbers out of range are refused", (t) => {
  t.throws(() => sayNumberIds(1_000_000, "en"), { instanceOf: RangeError });
  t.throws(() => sayNumberIds(1.5, "en"), { instanceOf: RangeError });
});

test("minutes carry their noun in both languages", (t) => {
  t.is(spoken(sayMinutesIds(1, "en"), "en"), "one minute");
  t.is(spoken(sayMinutesIds(1, "es"), "es"), "un minuto");
  t.is(spoken(sayMinutesIds(15, "en"), "en"), "fifteen minutes");
  t.is(spoken(sayMinutesIds(21, "es"), "es"), "veintiún minutos");
});

test("keys are named: digits, star and pound", (t) => {
  t.is(spoken(sayKeyIds("9"), "en"), "nine");
  t.is(spoken(sayKeyIds("#"), "es"), "numeral");
  t.is(spoken(sayKeyIds("*"), "en"), "star");
  t.throws(() => sayKeyIds("A"), { instanceOf: RangeError });
});
