import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import {
  answerOffer,
  applyAnswer,
  buildOffer,
  type LocalMedia,
  SdpNegotiationError,
} from "../../../telephony/sdp/offer-answer.ts";
import { directionOf, parseSdp, rtpMaps, serializeSdp } from "../../../telephony/sdp/sdp.ts";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const fixture = (name: string) => parseSdp(readFileSync(join(FIXTURES, name), "utf8"));

const local: LocalMedia = {
  address: "127.0.0.1",
  port: 40000,
  codecs: ["PCMU", "PCMA"],
  telephoneEventPt: 101,
  ptime: 20,
  sessionId: "42",
  sessionVersion: 1,
};

test("RFC 3264 §5: our offer lists our codecs in order, telephone-event 0-16 and ptime 20", (t) => {
  const text = serializeSdp(buildOffer(local));
  t.is(
    text,
    [
      "v=0",
      "o=yardline 42 1 IN IP4 127.0.0.1",
      "s=-",
      "c=IN IP4 127.0.0.1",
      "t=0 0",
      "m=audio 40000 RTP/AVP 0 8 101",
      "a=rtpmap:0 PCMU/8000",
      "a=rtpmap:8 PCMA/8000",
      "a=rtpmap:101 telephone-event/8000",
      "a=fmtp:101 0-16",
      "a=ptime:20",
      "a=sendrecv",
      "",
    ].join("\r\n"),
  );
});

test("RFC 3264 §8.4: a hold offer is sendonly", (t) => {
  const sdp = buildOffer(local, { hold: true });
  t.is(directionOf(sdp, sdp.media[0]!), "sendonly");
});

test("RFC 3264 §6.1: answering SIPp's PCMA offer keeps its telephone-event payload type", (t) => {
  const { answer, media } = answerOffer(fixture("sipp-uac-pcap-offer.sdp"), local);
  t.is(media.codec, "PCMA");
  t.is(media.sendPt, 8);
  t.is(media.sendEventPt, 101);
  t.is(media.remoteAddress, "127.0.0.1");
  t.is(media.remotePort, 6000);
  t.is(media.remoteRtcpPort, 6001);
  t.true(media.send && media.recv);
  const m = answer.media[0]!;
  t.deepEqual(m.formats, ["8", "101"]);
  t.is(m.attributes.find((a) => a.name === "fmtp")?.value, "101 0-11,16");
  t.is(directionOf(answer, m), "sendrecv");
});

test("answering SIPp's plain PCMU offer: no telephone-event is offered, so none is sent", (t) => {
  const { media } = answerOffer(fixture("sipp-uac-offer.sdp"), { ...local, codecs: ["PCMA", "PCMU"] });
  t.is(media.codec, "PCMU");
  t.is(media.sendEventPt, undefined);
});

test("RFC 3264 §6.1: the codecs answered are the shared ones in the offerer's order", (t) => {
  const { answer, media } = answerOffer(fixture("trunk-video-offer.sdp"), local);
  // offer: G729 GSM PCMA PCMU telephone-event; we take PCMU and PCMA, in the offer's order
  t.deepEqual(answer.media[0]!.formats, ["8", "0", "101"]);
  t.is(media.codec, "PCMA");
  t.deepEqual(media.recvCodecs, { 8: "PCMA", 0: "PCMU" });
});

test("RFC 3264 §6: every offered stream gets an m= line; the video one is rejected with port 0", (t) => {
  const { answer } = answerOffer(fixture("trunk-video-offer.sdp"), local);
  t.is(answer.media.length, 2);
  t.is(answer.media[1]!.type, "video");
  t.is(answer.media[1]!.port, 0);
});

test("RFC 3264 §6.1: a sendonly offer (hold) is answered recvonly and we do not send", (t) => {
  const { answer, media } = answerOffer(fixture("hold-sendonly-offer.sdp"), local);
  t.is(directionOf(answer, answer.media[0]!), "recvonly");
  t.false(media.send);
  t.true(media.recv);
});

test("RFC 3264 §8.4: an offer with c=0.0.0.0 (RFC 2543 hold) means we do not send", (t) => {
  const { media } = answerOffer(fixture("hold-c0-offer.sdp"), local);
  t.is(media.remoteAddress, undefined);
  t.false(media.send);
});

test("answering while we hold the call: sendonly against a sendrecv offer", (t) => {
  const { answer, media } = answerOffer(fixture("baresip-offer.sdp"), local, { hold: true });
  t.is(directionOf(answer, answer.media[0]!), "sendonly");
  t.false(media.recv);
});

test("an offer with nothing we can use raises SdpNegotiationError (the UA answers 488)", (t) => {
  const e = t.throws(() => answerOffer(fixture("g729-only-offer.sdp"), local), { instanceOf: SdpNegotiationError });
  t.regex(e.message, /G729/);
  const disabled = parseSdp(
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n",
  );
  t.throws(() => answerOffer(disabled, local), { instanceOf: SdpNegotiationError, message: /port 0/ });
  const srtp = parseSdp(
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\n",
  );
  t.throws(() => answerOffer(srtp, local), { instanceOf: SdpNegotiationError, message: /SAVP/ });
});

test("RFC 3264 §7: SIPp's answer picks PCMU; we send PCMU and have no telephone-event", (t) => {
  const offer = buildOffer(local);
  const media = applyAnswer(offer, fixture("sipp-uas-answer.sdp"));
  t.is(media.codec, "PCMU");
  t.is(media.sendPt, 0);
  t.is(media.sendEventPt, undefined);
  t.deepEqual(media.recvEventPts, [101]);
  t.is(media.remotePort, 6000);
});

test("RFC 3264 §7: baresip's answer lists both laws; the first one is used", (t) => {
  const offer = buildOffer({ ...local, codecs: ["PCMA", "PCMU"] });
  const media = applyAnswer(offer, fixture("baresip-answer.sdp"));
  t.is(media.codec, "PCMU"); // the answerer's first
  t.is(media.remoteAddress, "192.0.2.2");
  t.is(media.remotePort, 30072);
  t.is(media.sendEventPt, 101);
});

test("RFC 3264 §7: an answer that rejects the stream or picks a codec we did not offer fails", (t) => {
  const offer = buildOffer({ ...local, codecs: ["PCMA"] });
  t.throws(() => applyAnswer(offer, fixture("sipp-uas-answer.sdp")), {
    instanceOf: SdpNegotiationError,
    message: /no codec we offered/,
  });
  const rejected = parseSdp(
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n",
  );
  t.throws(() => applyAnswer(offer, rejected), { instanceOf: SdpNegotiationError, message: /port 0/ });
});

test("a=rtcp (RFC 3605) overrides the RTP port + 1 rule", (t) => {
  const offer = parseSdp(
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 4001 RTP/AVP 0\r\na=rtcp:4010 IN IP4 1.2.3.4\r\n",
  );
  t.is(answerOffer(offer, local).media.remoteRtcpPort, 4010);
});

test("a dynamic payload type for PCMU is honoured", (t) => {
  const offer = parseSdp(
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 4000 RTP/AVP 96\r\na=rtpmap:96 pcmu/8000\r\n",
  );
  const { media } = answerOffer(offer, local);
  t.is(media.codec, "PCMU");
  t.is(media.sendPt, 96);
  t.deepEqual(
    rtpMaps(answerOffer(offer, local).answer.media[0]!).map((r) => r.payloadType),
    [96],
  );
});

test("a baresip offer that came through Kamailio is answered like a direct one", (t) => {
  const { answer, media } = answerOffer(fixture("kamailio-proxied-baresip-offer.sdp"), local);
  t.is(media.codec, "PCMU");
  t.is(media.sendEventPt, 101);
  t.is(media.remoteAddress, "192.0.2.2");
  t.deepEqual(answer.media[0]!.formats, ["0", "8", "101"]);
  t.is(answer.media[0]!.attributes.find((a) => a.name === "fmtp")?.value, "101 0-15");
});
