/**
 * What an installer types into an officer's SIP phone or softphone to make it a monitoring
 * station: the account `monitor-<name>` and its password, derived from the controller's SIP
 * secret (see `monitorStationPassword`), so nothing is stored and a station can be set up at
 * any time. Run on the controller:
 *
 *   YARDLINE_SIP_SECRET=… npx tsx controller/calls/monitor-station-account.ts monitor-control-room 10.1.0.5:5060
 */
import { pathToFileURL } from "node:url";
import { monitorStationPassword } from "../call-service.ts";
import { MONITOR_STATION_NAME } from "./monitor-stations.ts";

export interface MonitorStationAccount {
  username: string;
  password: string;
  /** The address of record to register, e.g. sip:monitor-control-room@10.1.0.5 */
  aor: string;
  registrar: string;
}

export function monitorStationAccount(secret: string, name: string, controller: string): MonitorStationAccount {
  if (!MONITOR_STATION_NAME.test(name)) {
    throw new Error(`a monitoring station's name is monitor-<lower case letters, digits, dashes>, not ${name}`);
  }
  const host = controller.replace(/:\d+$/, "");
  return {
    username: name,
    password: monitorStationPassword(secret, name),
    aor: `sip:${name}@${host}`,
    registrar: `sip:${controller}`,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [name, controller] = process.argv.slice(2);
  const secret = process.env.YARDLINE_SIP_SECRET;
  if (!name || !controller || !secret) {
    console.error("usage: YARDLINE_SIP_SECRET=… monitor-station-account.ts monitor-<name> <controller host[:port]>");
    process.exit(2);
  }
  const a = monitorStationAccount(secret, name, controller);
  console.log(
    `SIP account:  ${a.aor}\nuser name:    ${a.username}\npassword:     ${a.password}\nregistrar:    ${a.registrar}`,
  );
}
