/**
 * Report CSV: what a spreadsheet opening the download would do with each cell.
 */
import test from "ava";
import { col, csvOf } from "../../../controller/api/reports/report.ts";

const columns = [
  col("name", "Name"),
  col("number", "Number"),
  col("charge", "Charge", "money"),
  col("n", "Calls", "count"),
];

test("a text cell that a spreadsheet would run as a formula is written as text", (t) => {
  const csv = csvOf(
    columns,
    [
      ['=HYPERLINK("http://example.com","x")', "+12132011234", 125, 3],
      ["@SUM(A1:A9)", "-1", -250, 1],
      ["+cmd|' /C calc'!A0", "+44 20 7946 0000", 0, 0],
      ["-2+3", "12132011234", 5, 1],
    ],
    {},
  );
  const lines = csv.trimEnd().split("\r\n");
  t.is(lines[0], "Name,Number,Charge,Calls");
  // Quoted because of the comma and quotes inside, with the apostrophe in front.
  t.is(lines[1], `"'=HYPERLINK(""http://example.com"",""x"")",+12132011234,1.25,3`);
  t.is(lines[2], "'@SUM(A1:A9),-1,-2.50,1");
  t.is(lines[3], `'+cmd|' /C calc'!A0,'+44 20 7946 0000,0.00,0`);
  t.is(lines[4], "'-2+3,12132011234,0.05,1");
});

test("totals follow the rows, money in dollars", (t) => {
  const csv = csvOf(columns, [["Ann", "+12132011234", 199, 2]], { charge: 199, n: 2 });
  t.is(csv.trimEnd().split("\r\n")[2], "Total,,1.99,2");
});
