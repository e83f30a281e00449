import test from "ava";
import { CsvError, parseCsv, parseCsvObjects } from "../../../controller/imports/csv.ts";
import { dollarsToMills } from "../../../controller/imports/rates.ts";

test("quoted fields keep commas, doubled quotes and line breaks; records keep the line they start on", (t) => {
  const text = '\ufeffa,b,c\r\n1,"two, with comma","say ""hi"""\r\n"multi\nline",x,y\n\nlast,,\n';
  const recs = [...parseCsv(text)];
  t.deepEqual(
    recs.map((r) => [r.line, r.fields]),
    [
      [1, ["a", "b", "c"]],
      [2, ["1", "two, with comma", 'say "hi"']],
      [3, ["multi\nline", "x", "y"]],
      [6, ["last", "", ""]],
    ],
  );
});

test("a file without a final newline still yields its last record", (t) => {
  t.deepEqual(
    [...parseCsv("a,b\n1,2")].map((r) => r.fields),
    [
      ["a", "b"],
      ["1", "2"],
    ],
  );
});

test("an unclosed quote or text after a closing quote is an error with its line", (t) => {
  const e = t.throws(() => [...parseCsv('a\n"open\n')], { instanceOf: CsvError });
  t.is(e?.line, 2);
  t.throws(() => [...parseCsv('"x"y,1\n')], { instanceOf: CsvError });
});

test("objects are keyed by the trimmed lower-case header", (t) => {
  const [first] = [...parseCsvObjects(" Number , Reason\n 2132001234 , victim \n")];
  t.deepEqual(first?.row, { number: "2132001234", reason: "victim" });
});

test("dollar amounts become mills exactly; more than three decimals is refused", (t) => {
  t.is(dollarsToMills("0.105"), 105);
  t.is(dollarsToMills("$0.11"), 110);
  t.is(dollarsToMills("1"), 1000);
  t.throws(() => dollarsToMills("0.1055"));
  t.throws(() => dollarsToMills("-0.1"));
});
