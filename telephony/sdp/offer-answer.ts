/**
 * The offer/answer model (RFC 3264) for one audio stream of G.711 with telephone-events.
 */
import {
  type Attribute,
  attributeValue,
  connectionOf,
  type Direction,
  directionOf,
  type MediaDescription,
  type RtpMap,
  rtpMaps,
  type SessionDescription,
} from "./sdp.ts";

/** Raised when an offer or answer leaves nothing we can use; the UA answers 488 Not Acceptable Here. */
export class SdpNegotiationError extends Error {
  override readonly name = "SdpNegotiationError";
}

export type G711Codec = "PCMU" | "PCMA";

/** Static payload types (RFC 3551 table 4). */
const STATIC_PT: Record<G711Codec, number> = { PCMU: 0, PCMA: 8 };
/** Events we send and understand: DTMF 0-15 and flash 16 (RFC 4733 §3.2). */
const EVENTS = "0-16";

export interface LocalMedia {
  address: string;
  port: number;
  /** Codecs we take, in our preference order (used for our offers). */
  codecs: readonly G711Codec[];
  telephoneEventPt: number;
  ptime: number;
  /** o= session id and version (RFC 3264 §5: the version grows with each new description). */
  sessionId: string;
  sessionVersion: number;
}

export interface NegotiatedMedia {
  codec: G711Codec;
  /** Payload type on the audio we send (the remote's number for the codec). */
  sendPt: number;
  /** Payload type we expect on audio we receive. */
  recvPt: number;
  /**
   * Every payload type we may receive audio on, and its law: RFC 3264 lets the sender switch
   * among the codecs in the answer without a new offer.
   */
  recvCodecs: Record<number, G711Codec>;
  /** telephone-event payload type to send with; undefined when the remote did not take it. */
  sendEventPt?: number;
  /** telephone-event payload types we accept on receive. */
  recvEventPts: number[];
  /** Where to send RTP; undefined when the remote gave 0.0.0.0 (RFC 2543 hold). */
  remoteAddress?: string;
  remotePort: number;
  remoteRtcpPort: number;
  /** Our side: do we send, do we receive. */
  send: boolean;
  recv: boolean;
  /** ptime the remote asked for (RFC 4566 §6); we always send 20 ms. */
  remotePtime?: number;
}

function sends(d: Direction): boolean {
  return d === "sendrecv" || d === "sendonly";
}

function receives(d: Direction): boolean {
  return d === "sendrecv" || d === "recvonly";
}

function toDirection(send: boolean, recv: boolean): Direction {
  return send ? (recv ? "sendrecv" : "sendonly") : recv ? "recvonly" : "inactive";
}

function isG711(map: RtpMap, codecs: readonly G711Codec[]): G711Codec | undefined {
  const enc = map.encoding.toUpperCase();
  if (map.clockRate !== 8000 || map.channels !== 1) return undefined;
  return (codecs as readonly string[]).includes(enc) ? (enc as G711Codec) : undefined;
}

function telephoneEvent(maps: RtpMap[]): RtpMap | undefined {
  return maps.find((m) => m.encoding.toLowerCase() === "telephone-event" && m.clockRate === 8000);
}

function isUnusableAddress(addr: string | undefined): boolean {
  return addr === undefined || addr === "0.0.0.0" || addr === "::";
}

/** RFC 3605 a=rtcp, else RTP port + 1 (RFC 3550 §11). */
function rtcpPort(m: MediaDescription): number {
  const v = attributeValue(m, "rtcp");
  const n = v ? Number(v.trim().split(/\s+/)[0]) : Number.NaN;
  return Number.isInteger(n) && n > 0 ? n : m.port + 1;
}

function ptimeOf(m: MediaDescription): number | undefined {
  const v = attributeValue(m, "ptime");
  const n = v ? Number(v) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function base(local: LocalMedia): SessionDescription {
  return {
    version: 0,
    origin: {
      username: "yardline",
      sessionId: local.sessionId,
      sessionVersion: String(local.sessionVersion),
      netType: "IN",
      addrType: local.address.includes(":") ? "IP6" : "IP4",
      address: local.address,
    },
    sessionName: "-",
    connection: { netType: "IN", addrType: local.address.includes(":") ? "IP6" : "IP4", address: local.address },
    timing: "0 0",
    attributes: [],
    other: [],
    media: [],
  };
}

/**
 * RFC 3264 §5: our offer — one audio stream, our codecs in preference order, telephone-event,
 * ptime 20. On hold we offer sendonly (RFC 3264 §8.4).
 */
export function buildOffer(local: LocalMedia, opts: { hold?: boolean } = {}): SessionDescription {
  const sdp = base(local);
  const pts = local.codecs.map((c) => STATIC_PT[c]);
  sdp.media.push({
    type: "audio",
    port: local.port,
    proto: "RTP/AVP",
    formats: [...pts, local.telephoneEventPt].map(String),
    attributes: [
      ...local.codecs.map((c) => ({ name: "rtpmap", value: `${STATIC_PT[c]} ${c}/8000` })),
      { name: "rtpmap", value: `${local.telephoneEventPt} telephone-event/8000` },
      { name: "fmtp", value: `${local.telephoneEventPt} ${EVENTS}` },
      { name: "ptime", value: String(local.ptime) },
      { name: opts.hold ? "sendonly" : "sendrecv" },
    ],
    other: [],
  });
  return sdp;
}

/**
 * RFC 3264 §6: answers an offer. The first usable audio stream is accepted; every other stream
 * is rejected with port 0 (§6: one m= line per offered one, in order). The codecs listed are
 * the ones we share, in the offerer's order, with the offerer's payload types; the first is
 * used. telephone-event is echoed with the offer's payload type. Directions are the offer's
 * mirrored (§6.1), narrowed by our hold (sendonly). An offer with c=0.0.0.0 (RFC 2543 hold)
 * means "do not send to me".
 */
export function answerOffer(
  offer: SessionDescription,
  local: LocalMedia,
  opts: { hold?: boolean } = {},
): { answer: SessionDescription; media: NegotiatedMedia } {
  const answer = base(local);
  let media: NegotiatedMedia | undefined;
  const reasons: string[] = [];
  for (const m of offer.media) {
    const reject = (why: string) => {
      reasons.push(why);
      answer.media.push({
        type: m.type,
        port: 0,
        proto: m.proto,
        formats: m.formats.slice(0, 1),
        attributes: [],
        other: [],
      });
    };
    if (media) {
      reject("");
      continue;
    }
    if (m.type !== "audio") {
      reject(`${m.type} stream`);
      continue;
    }
    if (m.port === 0) {
      reject("audio stream disabled (port 0)");
      continue;
    }
    if (m.proto.toUpperCase() !== "RTP/AVP") {
      reject(`audio over ${m.proto}`);
      continue;
    }
    const maps = rtpMaps(m);
    const shared = maps.filter((x) => isG711(x, local.codecs) !== undefined);
    const first = shared[0];
    if (!first) {
      reject(`no common codec (offered ${maps.map((x) => x.encoding).join(", ") || m.formats.join(" ")})`);
      continue;
    }
    const te = telephoneEvent(maps);
    const remoteDir = directionOf(offer, m);
    const addr = connectionOf(offer, m)?.address;
    const held = isUnusableAddress(addr);
    const send = receives(remoteDir) && !held;
    const recv = sends(remoteDir) && !opts.hold;
    // the answer's direction says what we will do: the offer's mirrored, narrowed by our hold
    const answerDir = toDirection(send, recv);
    const attributes: Attribute[] = shared.map((x) => ({
      name: "rtpmap",
      value: `${x.payloadType} ${x.encoding}/8000`,
    }));
    const formats = shared.map((x) => String(x.payloadType));
    if (te) {
      formats.push(String(te.payloadType));
      attributes.push({ name: "rtpmap", value: `${te.payloadType} telephone-event/8000` });
      const fmtp = m.attributes.find((a) => a.name === "fmtp" && a.value?.startsWith(`${te.payloadType} `));
      attributes.push({ name: "fmtp", value: fmtp?.value ?? `${te.payloadType} ${EVENTS}` });
    }
    attributes.push({ name: "ptime", value: String(local.ptime) }, { name: answerDir });
    answer.media.push({ type: "audio", port: local.port, proto: "RTP/AVP", formats, attributes, other: [] });
    const codec = isG711(first, local.codecs)!;
    media = {
      codec,
      sendPt: first.payloadType,
      recvPt: first.payloadType,
      recvCodecs: Object.fromEntries(shared.map((x) => [x.payloadType, isG711(x, local.codecs)!])),
      ...(te ? { sendEventPt: te.payloadType } : {}),
      recvEventPts: te ? [te.payloadType] : [],
      ...(held ? {} : { remoteAddress: addr! }),
      remotePort: m.port,
      remoteRtcpPort: rtcpPort(m),
      send,
      recv,
      ...(ptimeOf(m) !== undefined ? { remotePtime: ptimeOf(m)! } : {}),
    };
  }
  if (!media) {
    throw new SdpNegotiationError(
      `no acceptable audio stream: ${reasons.filter(Boolean).join("; ") || "the offer has no media"}`,
    );
  }
  return { answer, media };
}

/**
 * RFC 3264 §7: applies the answer to our offer. The answer's first stream answers our one audio
 * stream; port 0 there means it was rejected. The codec is the first in the answer that we
 * offered; we send with the answer's payload types.
 */
export function applyAnswer(
  ourOffer: SessionDescription,
  answer: SessionDescription,
  opts: { hold?: boolean } = {},
): NegotiatedMedia {
  const offered = ourOffer.media[0];
  const m = answer.media[0];
  if (!offered) throw new SdpNegotiationError("no offer to answer");
  if (m?.type !== "audio") throw new SdpNegotiationError("the answer has no audio stream");
  if (m.port === 0) throw new SdpNegotiationError("the remote rejected the audio stream (port 0)");
  const ourMaps = rtpMaps(offered);
  const ourCodecs = ourMaps
    .map((x) => x.encoding.toUpperCase())
    .filter((e): e is G711Codec => e === "PCMU" || e === "PCMA");
  const maps = rtpMaps(m);
  const first = maps.find((x) => isG711(x, ourCodecs) !== undefined);
  if (!first) {
    throw new SdpNegotiationError(
      `the answer has no codec we offered (answered ${maps.map((x) => x.encoding).join(", ") || m.formats.join(" ")})`,
    );
  }
  const codec = isG711(first, ourCodecs)!;
  const ourPt = ourMaps.find((x) => x.encoding.toUpperCase() === codec)?.payloadType ?? STATIC_PT[codec];
  const te = telephoneEvent(maps);
  const ourTe = telephoneEvent(ourMaps);
  const remoteDir = directionOf(answer, m);
  const addr = connectionOf(answer, m)?.address;
  const held = isUnusableAddress(addr);
  const recvEventPts = [...new Set([ourTe?.payloadType, te?.payloadType].filter((x): x is number => x !== undefined))];
  return {
    codec,
    sendPt: first.payloadType,
    recvPt: ourPt,
    recvCodecs: Object.fromEntries(
      [...ourMaps, ...maps]
        .filter((x) => isG711(x, ourCodecs) !== undefined)
        .map((x) => [x.payloadType, isG711(x, ourCodecs)!]),
    ),
    ...(te ? { sendEventPt: te.payloadType } : {}),
    recvEventPts,
    ...(held ? {} : { remoteAddress: addr! }),
    remotePort: m.port,
    remoteRtcpPort: rtcpPort(m),
    send: receives(remoteDir) && !held,
    recv: sends(remoteDir) && !opts.hold,
    ...(ptimeOf(m) !== undefined ? { remotePtime: ptimeOf(m)! } : {}),
  };
}
