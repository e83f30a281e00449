/**
 * The test support that starts SIPp picks new ports when one it chose was taken before SIPp
 * bound it (as when another test process's peer binds it in between).
 */
import { createSocket } from "node:dgram";
import test from "ava";
import { loopbackArgs, startSippOnFreePorts } from "../../support/sipp.ts";
import { peerPort } from "../ua/helpers.ts";

test("a SIPp whose media port is taken is started again on other ports", async (t) => {
  const taken = createSocket("udp4");
  const takenPort = await new Promise<number>((resolve) =>
    taken.bind(0, "127.0.0.1", () => resolve(taken.address().port)),
  );
  t.teardown(() => taken.close());
  const chosen: number[] = [];
  const { run, ports } = await startSippOnFreePorts(
    async () => {
      // First the taken port, then a free one.
      const media = chosen.length === 0 ? takenPort : await peerPort(4);
      chosen.push(media);
      return { sip: await peerPort(), media };
    },
    (p) => ({
      args: ["-sn", "uas", ...loopbackArgs(p), "-m", "1"],
    }),
  );
  t.teardown(() => run.stop());
  t.is(chosen.length, 2);
  t.is(chosen[0], takenPort);
  t.is(ports.media, chosen[1] as number);
  // The second SIPp is up, holding its ports.
  let exited = false;
  void run.exited.then(() => {
    exited = true;
  });
  await new Promise((r) => setTimeout(r, 300));
  t.false(exited);
});
