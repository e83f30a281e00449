import test from "ava";
import type { CallState } from "../../../telephony/api.ts";
import { CALL_TRANSITIONS, CallStateMachine, IllegalCallTransitionError } from "../../../telephony/ua/call-state.ts";

const ALL: CallState[] = ["NULL", "CALLING", "INCOMING", "EARLY", "CONNECTING", "CONFIRMED", "DISCONNECTED"];

function machineAt(path: CallState[]): CallStateMachine {
  const m = new CallStateMachine();
  for (const s of path) m.transition(s);
  return m;
}

test("an outgoing call walks NULL, CALLING, EARLY, CONNECTING, CONFIRMED, DISCONNECTED", (t) => {
  const m = machineAt(["CALLING", "EARLY", "CONNECTING", "CONFIRMED", "DISCONNECTED"]);
  t.is(m.state, "DISCONNECTED");
  t.true(m.ended);
});

test("an incoming call may be answered without ringing (INCOMING to CONNECTING)", (t) => {
  t.is(machineAt(["INCOMING", "CONNECTING", "CONFIRMED"]).state, "CONFIRMED");
});

test("every state but DISCONNECTED may end, and DISCONNECTED goes nowhere", (t) => {
  for (const s of ALL) {
    if (s === "DISCONNECTED") t.deepEqual(CALL_TRANSITIONS[s], []);
    else t.true(CALL_TRANSITIONS[s].includes("DISCONNECTED"), s);
  }
});

test("an illegal move throws and leaves the state as it was", (t) => {
  const m = machineAt(["CALLING"]);
  t.throws(() => m.transition("CONFIRMED"), { instanceOf: IllegalCallTransitionError });
  t.throws(() => m.transition("INCOMING"), { instanceOf: IllegalCallTransitionError });
  t.is(m.state, "CALLING");
  const done = machineAt(["INCOMING", "DISCONNECTED"]);
  for (const s of ALL) t.throws(() => done.transition(s), { instanceOf: IllegalCallTransitionError });
  t.throws(() => machineAt(["CALLING", "EARLY"]).transition("EARLY"));
});
