/**
 * `npm start`: the lab until Ctrl-C. Prints where everything is and how to lift a handset.
 */
import { DEMO_INMATES, DEMO_NUMBERS, openDemoFacilityAllDay } from "../controller/domain/seed.ts";
import { labOptionsFromEnv, startLab } from "./lab.ts";

const opts = labOptionsFromEnv();
const lab = await startLab(opts);
// The demo facility's calling hours (06:00-23:00 Los Angeles time) are pushed to the phone bank,
// which switches its units off outside them. YARDLINE_OPEN_ALL_DAY=1 opens them all day.
const allDay = process.env.YARDLINE_OPEN_ALL_DAY === "1";
if (allDay) {
  await openDemoFacilityAllDay(lab.controller.ds);
  await lab.settled();
}
const cli = "npx tsx board/sim/cli.ts";
console.log(`
Yardline lab is running.

  Admin UI        ${lab.httpUrl}    (user admin, password ${opts.adminPassword})
  Controller SIP  udp ${opts.host}:${lab.controller.sipPort}   phone-bank link ws://${opts.host}:${lab.controller.banksPort}
  Phone bank      ${lab.simUrl}  (simulated board, 8 handsets h1..h8; odd ones keypad, even ones rotary)
  Trunk           ${opts.trunkHost ? `${opts.trunkHost}:${opts.trunkPort} (external)` : `simulated, udp ${opts.host}:${opts.trunkPort}`}
  Data            ${opts.dataDir}

Demo inmates (PIN): ${DEMO_INMATES.map((i) => `${i.firstName} ${i.lastName} (${i.pin})`).join(", ")}
Numbers: family ${DEMO_NUMBERS.family} (accepts), victim ${DEMO_NUMBERS.victim} (blocked),
         attorney ${DEMO_NUMBERS.attorney} (privileged); the simulated trunk declines numbers
         ending 50, blocks 51, rings out 52, is busy on 53, hangs up on 54 (see lab/sim-trunk.ts).

Lift handset 1 and place a call (English, PIN 1111, the family number):
  curl -X POST ${lab.simUrl}/handsets/h1/lift
  curl -X POST ${lab.simUrl}/handsets/h1/keys -H 'content-type: application/json' -d '{"digits":"11111#${DEMO_NUMBERS.family.slice(2)}#"}'
  curl -X POST ${lab.simUrl}/handsets/h1/hang-up
or the same with the CLI: ${cli} --url ${lab.simUrl} help

Calling hours: ${allDay ? "open all day (YARDLINE_OPEN_ALL_DAY=1)" : "06:00-23:00 America/Los_Angeles; outside them the handsets are off (YARDLINE_OPEN_ALL_DAY=1 opens them)"}.

Ctrl-C stops everything.`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.log("stopping ...");
    lab.stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
