import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import { type KillView, KillSwitchPush, planBoard, scheduleOf } from "../../../controller/banks/kill-push.ts";
import { BankServer } from "../../../controller/banks/server.ts";
import { type ScheduleWindow, scheduleOpen } from "../../../controller/domain/schedule.ts";
import type { Command } from "../../../firmware/link/protocol.ts";
import { isOpen } from "../../../firmware/schedule.ts";
import { startSimFirmware, tempDir, waitFor } from "../../firmware/harness.ts";

const UNITS = ["A", "B", "C", "D"];

/** The demo's shape: facility f1, bank "bank-test" placed in unit A, units A–D of the same names. */
function view(opts: { off?: string[]; facility?: ScheduleWindow[]; bank?: ScheduleWindow[] } = {}): KillView {
  const off = new Set(opts.off ?? []);
  return {
    facilities: new Map([["f1", { enabled: !off.has("facility"), timeZone: "UTC" }]]),
    banks: new Map([["bank-test", { facilityId: "f1", housingUnitId: "u-a", enabled: !off.has("bank") }]]),
    units: new Map(
      UNITS.map((n) => [`u-${n.toLowerCase()}`, { facilityId: "f1", name: n, enabled: !off.has(n) }] as const),
    ),
    windows: new Map([
      ["facility:f1", opts.facility ?? []],
      ["phone-bank:bank-test", opts.bank ?? []],
    ]),
  };
}

const killed = (v: KillView) =>
  [...(planBoard(v, "bank-test", UNITS) ?? new Map())].filter(([, p]) => p.killed).map(([u]) => u);

test("a housing unit switched off kills the board unit of the same name only", (t) => {
  t.deepEqual(killed(view({ off: ["B"] })), ["B"]);
  t.deepEqual(killed(view()), []);
});

test("the facility, the phone bank, or the unit the bank is placed in switched off kills every unit of the board", (t) => {
  t.deepEqual(killed(view({ off: ["facility"] })), UNITS);
  t.deepEqual(killed(view({ off: ["bank"] })), UNITS);
  t.deepEqual(killed(view({ off: ["A"] })), UNITS);
});

test("a board that is no phone bank of the domain gets nothing", (t) => {
  t.is(planBoard(view(), "stranger", UNITS), undefined);
});

test("no calling hours at either level: no schedule (the unit is always on)", (t) => {
  t.is(scheduleOf([], []), null);
});

test("disjoint facility and phone-bank hours: a schedule that is never open", (t) => {
  t.deepEqual(scheduleOf([{ day: 1, startMin: 60, endMin: 120 }], [{ day: 2, startMin: 60, endMin: 120 }]), []);
});

/**
 * The board must be on exactly when the controller would let a call through on both schedules:
 * checked minute by minute over a whole week (2026-01-05 is a Monday) against the domain's own
 * scheduleOpen, for hours that cross midnight, Sunday into Monday, and 24:00 ends.
 */
const cases: Array<{ name: string; facility: ScheduleWindow[]; bank: ScheduleWindow[] }> = [
  {
    name: "facility 06:00-23:00 daily, bank weekdays 07:30-21:00",
    facility: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, startMin: 360, endMin: 1380 })),
    bank: [1, 2, 3, 4, 5].map((day) => ({ day, startMin: 450, endMin: 1260 })),
  },
  {
    name: "facility Friday 20:00-02:00 and Sunday 22:00-03:00, no bank hours",
    facility: [
      { day: 5, startMin: 1200, endMin: 120 },
      { day: 7, startMin: 1320, endMin: 180 },
    ],
    bank: [],
  },
  {
    name: "overlapping night windows on both levels, a 24:00 end",
    facility: [
      { day: 3, startMin: 1080, endMin: 1440 },
      { day: 4, startMin: 0, endMin: 300 },
      { day: 7, startMin: 1380, endMin: 60 },
    ],
    bank: [
      { day: 3, startMin: 1320, endMin: 240 },
      { day: 7, startMin: 1410, endMin: 30 },
      { day: 1, startMin: 0, endMin: 1440 },
    ],
  },
];
for (const c of cases) {
  test(`the pushed schedule is open exactly when both levels are: ${c.name}`, (t) => {
    const windows = scheduleOf(c.facility, c.bank);
    if (windows === null) return t.fail("a schedule was expected");
    const board = { unit: "A", timezone: "UTC", windows };
    const monday = Date.UTC(2026, 0, 5);
    let open = 0;
    for (let m = 0; m < 7 * 1440; m++) {
      const at = monday + m * 60_000;
      const want = scheduleOpen(c.facility, at, "UTC").open && scheduleOpen(c.bank, at, "UTC").open;
      if (isOpen(board, at) !== want) return t.fail(`minute ${m} of the week: board ${!want}, controller ${want}`);
      if (want) open++;
    }
    t.true(open > 0 && open < 7 * 1440, `open ${open} minutes of the week`);
  });
}

/** The real board link and the real firmware daemon on the sim board, the view under the test's control. */
async function setup(t: ExecutionContext, initial: KillView) {
  const dir = await tempDir(t);
  const server = new BankServer();
  const port = await server.listen(0);
  t.teardown(() => server.close());
  const sent: Command[] = [];
  const link = {
    on: server.on.bind(server),
    all: () => server.all(),
    sendCommand: (boardId: string, c: Command) => {
      sent.push(c);
      return server.sendCommand(boardId, c);
    },
  };
  let current = initial;
  const listeners = new Set<() => void>();
  const push = new KillSwitchPush({
    banks: link as never,
    ds: {
      onChange: (l) => {
        const f = () => l(null, "rules");
        listeners.add(f);
        return () => {
          listeners.delete(f);
        };
      },
    },
    load: async () => current,
  });
  push.start();
  t.teardown(() => push.stop());
  const change = async (v: KillView) => {
    current = v;
    for (const l of listeners) l();
    await push.settled();
  };
  const journalFile = join(dir, "j.json");
  const url = `ws://127.0.0.1:${port}`;
  const board = async () => {
    const fw = await startSimFirmware({ journalFile, controllerUrl: url });
    let stopping: Promise<void> | undefined;
    const stopOnce = fw.stop;
    const stop = () => {
      stopping ??= stopOnce();
      return stopping;
    };
    fw.stop = stop;
    t.teardown(stop);
    await waitFor(() => server.state("bank-test")?.connected === true, "board connected");
    await push.settled();
    return fw;
  };
  return { push, sent, change, board, server };
}

test("a board gets the whole state when it connects, then only what a change alters", async (t) => {
  const { sent, change, board, server } = await setup(t, view({ off: ["B"] }));
  const fw = await board();
  t.true(fw.daemon.kills.isKilled("B"));
  t.deepEqual(fw.daemon.kills.sources("B"), ["command"]);
  t.false(fw.daemon.kills.isKilled("A"));
  t.is(fw.daemon.handsets.get("h3")!.state, "killed");
  // Kill or release, and schedule or clear-schedule, for each of the four units.
  t.is(sent.length, 8);
  await waitFor(() => server.state("bank-test")?.units.B?.killed === true, "the kill reported back");

  sent.length = 0;
  await change(view({ off: ["C"] }));
  t.deepEqual(
    sent.map((c) => `${c.type}:${"unit" in c ? c.unit : ""}`),
    ["release:B", "kill:C"],
  );
  t.false(fw.daemon.kills.isKilled("B"));
  t.true(fw.daemon.kills.isKilled("C"));

  sent.length = 0;
  await change(view({ off: ["C"] }));
  t.deepEqual(sent, [], "nothing changed, nothing sent");
});

test("a board that restarts after a change it missed converges on the current state", async (t) => {
  const { change, board } = await setup(t, view({ off: ["B"] }));
  let fw = await board();
  t.true(fw.daemon.kills.isKilled("B"));
  await fw.stop();
  await change(view({ off: ["D"] }));
  fw = await board();
  t.false(fw.daemon.kills.isKilled("B"), "the kill kept in the board's journal is released");
  t.true(fw.daemon.kills.isKilled("D"));
});

test("calling hours are pushed as each unit's schedule and enforced by the board; removing them clears it", async (t) => {
  // A window that is never open now: one minute on a weekday other than today.
  const today = new Date().getUTCDay() || 7;
  const other = (today % 7) + 1;
  const closed = view({ bank: [{ day: other, startMin: 0, endMin: 1 }] });
  const { change, board } = await setup(t, closed);
  const fw = await board();
  for (const u of UNITS) t.deepEqual(fw.daemon.kills.sources(u), ["schedule"], `unit ${u}`);
  t.deepEqual(fw.daemon.schedules.all().find((s) => s.unit === "A")?.windows, [
    { days: [other], start: "00:00", end: "00:01" },
  ]);
  await change(view());
  for (const u of UNITS) t.false(fw.daemon.kills.isKilled(u), `unit ${u}`);
  t.deepEqual(fw.daemon.schedules.all(), []);
});

test("a command the board fails is sent again at the next change, even when the change is elsewhere", async (t) => {
  const sent: string[] = [];
  let failNext = true;
  const link = {
    on: () => () => {},
    all: () => [{ boardId: "bank-test", connected: true, units: { A: {}, B: {}, C: {}, D: {} } }],
    sendCommand: async (_boardId: string, c: Command) => {
      sent.push(`${c.type}:${"unit" in c ? c.unit : ""}`);
      if (c.type === "kill" && failNext) {
        failNext = false;
        return { ok: false, error: "journal write failed" };
      }
      return { ok: true };
    },
  };
  let current = view({ off: ["B"] });
  let changed: () => void = () => {};
  const push = new KillSwitchPush({
    banks: link,
    ds: {
      onChange: (l) => {
        changed = () => l(null, "rules");
        return () => {};
      },
    },
    load: async () => current,
  });
  push.start();
  t.teardown(() => push.stop());
  await push.settled();
  t.true(sent.includes("kill:B"));
  sent.length = 0;
  current = view({ off: ["B"] });
  changed();
  await push.settled();
  t.deepEqual(sent, ["kill:B", "clear-schedule:B"], "B sent again; the other units were acknowledged");
});

test("a block-list change does not reload the switches; a rules change does", async (t) => {
  let loads = 0;
  let changed: (kind: "rules" | "blocks") => void = () => {};
  const push = new KillSwitchPush({
    banks: { on: () => () => {}, all: () => [], sendCommand: async () => ({ ok: true }) },
    ds: {
      onChange: (l) => {
        changed = (kind) => l("f1", kind);
        return () => {};
      },
    },
    load: async () => {
      loads++;
      return view();
    },
  });
  push.start();
  t.teardown(() => push.stop());
  await push.settled();
  t.is(loads, 1, "loaded once at start");
  changed("blocks");
  await push.settled();
  t.is(loads, 1, "a block-list change loads nothing");
  changed("rules");
  await push.settled();
  t.is(loads, 2);
});
