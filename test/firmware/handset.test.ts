import test from "ava";
import { Handset, type HandsetReport } from "../../firmware/handset.ts";
import { HandsetMachine, IllegalTransitionError } from "../../firmware/handset-machine.ts";
import { FakeEarpiece, FakeLine, FakeOutput } from "./fakes.ts";

function setup(available = true) {
  const line = new FakeLine();
  const earpiece = new FakeEarpiece();
  const relay = new FakeOutput("relay");
  const led = new FakeOutput("led");
  const reports: HandsetReport[] = [];
  const h = new Handset({
    id: "h1",
    unit: "A",
    line,
    earpiece,
    lineRelay: relay,
    statusLed: led,
    report: (r) => reports.push(r),
  });
  if (available) h.setAvailable(true, "link up");
  return { h, line, earpiece, relay, led, reports };
}

test("the transition table refuses illegal moves", (t) => {
  const m = new HandsetMachine("h1", "on-hook");
  const err = t.throws(() => m.transition("in-call", "skip"), { instanceOf: IllegalTransitionError });
  t.is(err?.from, "on-hook");
  t.is(m.state, "on-hook", "a refused transition changes nothing");
  m.transition("off-hook", "lifted");
  t.throws(() => m.transition("in-call", "x"), { instanceOf: IllegalTransitionError });
  t.throws(() => m.transition("off-hook", "again"), { instanceOf: IllegalTransitionError });
});

test("the firmware fails closed: a handset starts out of service until the controller is reachable", (t) => {
  const { h, line, earpiece, reports } = setup(false);
  t.is(h.state, "out-of-service");
  h.signal({ kind: "off-hook" });
  t.is(line.calls.length, 0, "no call without a controller");
  t.is(earpiece.now, "unavailable");
  t.true(reports.some((r) => r.kind === "refused"));
});

test("off-hook places the ringdown call at once with local dial tone until the controller's audio", (t) => {
  const { h, line, earpiece } = setup();
  h.signal({ kind: "off-hook" });
  t.is(h.state, "off-hook");
  t.is(line.calls.length, 1);
  t.is(earpiece.now, "dial");
  line.last!.audioArrives();
  t.is(earpiece.now, "silence", "the controller's audio replaces the dial tone");
  t.is(h.state, "dialling");
});

test("digits keyed before the controller answers are sent once its audio arrives, in order", (t) => {
  const { h, line } = setup();
  h.signal({ kind: "off-hook" });
  h.signal({ kind: "digit", digit: "4", source: "keypad" });
  h.signal({ kind: "digit", digit: "2", source: "rotary" });
  t.deepEqual(line.last!.digits, []);
  line.last!.audioArrives();
  h.signal({ kind: "digit", digit: "#", source: "keypad" });
  t.deepEqual(line.last!.digits, ["42", "#"]);
});

test("a hook flash goes out as event 16 and is reported", (t) => {
  const { h, line, reports } = setup();
  h.signal({ kind: "off-hook" });
  line.last!.audioArrives();
  h.connected();
  t.is(h.state, "in-call");
  h.signal({ kind: "flash", breakMs: 300 });
  t.deepEqual(line.last!.digits, ["flash"]);
  t.true(reports.some((r) => r.kind === "flash"));
});

test("on-hook ends the call", (t) => {
  const { h, line } = setup();
  h.signal({ kind: "off-hook" });
  line.last!.audioArrives();
  h.signal({ kind: "hang-up" });
  t.true(line.last!.hungUp);
  t.is(h.state, "on-hook");
});

test("no second dial tone without hanging up after the first call", (t) => {
  const { h, line, earpiece } = setup();
  h.signal({ kind: "off-hook" });
  line.last!.audioArrives();
  line.last!.end("BYE from controller");
  t.is(h.state, "lockout");
  t.is(earpiece.now, "reorder");
  h.signal({ kind: "digit", digit: "1", source: "keypad" });
  h.signal({ kind: "flash", breakMs: 300 });
  t.is(line.calls.length, 1, "neither digits nor a flash start a new call");
  h.signal({ kind: "hang-up" });
  h.signal({ kind: "off-hook" });
  t.is(line.calls.length, 2, "a new call after hanging up");
  t.is(earpiece.now, "dial");
});

test("a kill ends the call, opens the line relay, and holds the handset dead until released", (t) => {
  const { h, line, relay, earpiece } = setup();
  h.signal({ kind: "off-hook" });
  line.last!.audioArrives();
  h.setKilled(true, "kill switch");
  t.true(line.last!.hungUp);
  t.false(relay.level);
  t.is(h.state, "killed");
  h.signal({ kind: "hang-up" });
  h.signal({ kind: "off-hook" });
  t.is(line.calls.length, 1, "lifting a killed handset places no call");
  t.is(earpiece.now, "silence");
  h.setKilled(false, "released");
  t.true(relay.level);
  t.is(h.state, "lockout", "released while off-hook: hang up first");
  h.signal({ kind: "hang-up" });
  t.is(h.state, "on-hook");
});

test("a call in progress survives the controller link dropping; the next lift is refused", (t) => {
  const { h, line, earpiece } = setup();
  h.signal({ kind: "off-hook" });
  line.last!.audioArrives();
  h.setAvailable(false, "link down");
  t.is(h.state, "dialling");
  h.signal({ kind: "hang-up" });
  t.is(h.state, "out-of-service");
  h.signal({ kind: "off-hook" });
  t.is(line.calls.length, 1);
  t.is(earpiece.now, "unavailable");
  h.setAvailable(true, "link up");
  t.is(h.state, "lockout", "service back while the handset is up: hang up first");
});

test("a call the controller refuses before answering plays service unavailable", (t) => {
  const { h, line, earpiece } = setup();
  h.signal({ kind: "off-hook" });
  line.last!.end("503 Service Unavailable");
  t.is(earpiece.now, "unavailable");
  t.is(h.state, "lockout");
});

test("state changes are reported and the status LED follows service", (t) => {
  const { h, led, reports } = setup();
  t.true(led.level);
  h.setKilled(true, "command");
  t.false(led.level);
  t.deepEqual(
    reports.filter((r) => r.kind === "state").map((r) => (r.kind === "state" ? r.state : "")),
    ["on-hook", "killed"],
  );
});
