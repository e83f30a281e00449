import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { directionOf, parseSdp, rtpMaps, SdpParseError, serializeSdp } from "../../../telephony/sdp/sdp.ts";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");

test("every fixture parses, and serialising it gives the same body back", (t) => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".sdp"));
  t.true(files.length >= 8);
  for (const f of files) {
    const text = fixture(f);
    t.is(serializeSdp(parseSdp(text)), text, f);
  }
});

test("baresip's offer: origin, connection, codecs in order, telephone-event, direction", (t) => {
  const sdp = parseSdp(fixture("baresip-offer.sdp"));
  t.is(sdp.origin.username, "-");
  t.is(sdp.origin.sessionVersion, "362300108");
  t.is(sdp.connection?.address, "192.0.2.2");
  t.deepEqual(sdp.attributes, [{ name: "tool", value: "baresip 1.0.0" }]);
  const m = sdp.media[0]!;
  t.is(m.port, 30022);
  t.deepEqual(
    rtpMaps(m).map((r) => `${r.payloadType} ${r.encoding}/${r.clockRate}`),
    ["0 PCMU/8000", "8 PCMA/8000", "101 telephone-event/8000"],
  );
  t.is(directionOf(sdp, m), "sendrecv");
});

test("RFC 3551 static payload types need no rtpmap", (t) => {
  const sdp = parseSdp(
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 0\r\n",
  );
  t.deepEqual(
    rtpMaps(sdp.media[0]!).map((r) => r.encoding),
    ["PCMA", "PCMU"],
  );
});

test("LF line ends, a media-level c= and a session-level direction are understood", (t) => {
  const sdp = parseSdp(
    "v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nt=0 0\na=recvonly\nm=audio 4000/2 RTP/AVP 0\nc=IN IP4 5.6.7.8/127\n",
  );
  const m = sdp.media[0]!;
  t.is(m.connection?.address, "5.6.7.8");
  t.is(m.portCount, 2);
  t.is(directionOf(sdp, m), "recvonly");
});

test("RFC 4566 §5: a body without v= or o=, or with a malformed line, is refused", (t) => {
  t.throws(() => parseSdp("o=- 1 1 IN IP4 1.2.3.4\r\n"), { instanceOf: SdpParseError });
  t.throws(() => parseSdp("v=0\r\ns=-\r\n"), { instanceOf: SdpParseError });
  t.throws(() => parseSdp("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nhello\r\n"), { instanceOf: SdpParseError });
  t.throws(() => parseSdp("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 99999 RTP/AVP 0\r\n"), {
    instanceOf: SdpParseError,
  });
});
