import test from "ava";
import { parseDtmfRelay } from "../../../telephony/media/dtmf-relay.ts";

test("application/dtmf-relay: Signal and Duration lines give a digit and its length", (t) => {
  t.deepEqual(parseDtmfRelay("Signal=5\r\nDuration=160\r\n"), { digit: "5", method: "info", durationMs: 160 });
  t.deepEqual(parseDtmfRelay("Signal=#\nDuration=250"), { digit: "#", method: "info", durationMs: 250 });
  t.deepEqual(parseDtmfRelay("signal = *\r\n"), { digit: "*", method: "info", durationMs: 100 });
  t.deepEqual(parseDtmfRelay("Signal=d\r\nDuration=100"), { digit: "D", method: "info", durationMs: 100 });
});

test("application/dtmf-relay: Signal=16 and Signal=! are a hook flash", (t) => {
  t.is(parseDtmfRelay("Signal=16\r\nDuration=300")?.digit, "flash");
  t.is(parseDtmfRelay("Signal=!\r\nDuration=300")?.digit, "flash");
  t.is(parseDtmfRelay("Signal=11")?.digit, "#");
});

test("a body without a valid signal gives nothing", (t) => {
  t.is(parseDtmfRelay(""), undefined);
  t.is(parseDtmfRelay("Duration=100"), undefined);
  t.is(parseDtmfRelay("Signal=X"), undefined);
  t.is(parseDtmfRelay("Signal=99"), undefined);
});
