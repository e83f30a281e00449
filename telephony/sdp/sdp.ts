/**
 * SDP (RFC 4566) parsing and serialisation, for the subset real SIP peers send: v o s c t m and
 * attributes; any other line (b, i, u, e, p, z, k, r) is kept verbatim and written back.
 */

export interface Connection {
  netType: string;
  addrType: string;
  address: string;
}

export interface Origin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

export interface Attribute {
  name: string;
  value?: string;
}

export interface MediaDescription {
  type: string;
  port: number;
  portCount?: number;
  proto: string;
  /** Payload types (RTP/AVP) or other format tokens, in the order written. */
  formats: string[];
  connection?: Connection;
  attributes: Attribute[];
  /** Other lines of the section (b=, i=, k=), as "b=AS:64". */
  other: string[];
}

export interface SessionDescription {
  version: number;
  origin: Origin;
  sessionName: string;
  connection?: Connection;
  /** First t= line; "0 0" for the unbounded sessions SIP uses. */
  timing: string;
  attributes: Attribute[];
  /** Other session-level lines, as written. */
  other: string[];
  media: MediaDescription[];
}

export class SdpParseError extends Error {
  override readonly name = "SdpParseError";
}

function parseConnection(v: string): Connection {
  const [netType, addrType, addr] = v.trim().split(/\s+/);
  if (!netType || !addrType || !addr) throw new SdpParseError(`bad c= line: ${v}`);
  // multicast TTL/number suffixes (RFC 4566 §5.7) are dropped: SIP calls are unicast
  return { netType, addrType, address: addr.split("/")[0]! };
}

function parseAttribute(v: string): Attribute {
  const i = v.indexOf(":");
  return i < 0 ? { name: v } : { name: v.slice(0, i), value: v.slice(i + 1) };
}

/** Parses an SDP body. Tolerates LF-only line ends and trailing whitespace, as peers send them. */
export function parseSdp(text: string): SessionDescription {
  const lines = text.split(/\r\n|\n|\r/).filter((l) => l.trim() !== "");
  let version: number | undefined;
  let origin: Origin | undefined;
  let sessionName: string | undefined;
  let connection: Connection | undefined;
  let timing: string | undefined;
  const attributes: Attribute[] = [];
  const other: string[] = [];
  const media: MediaDescription[] = [];
  let m: MediaDescription | undefined;
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line.length < 2 || line[1] !== "=") throw new SdpParseError(`not an SDP line: ${JSON.stringify(line)}`);
    const type = line[0];
    const v = line.slice(2);
    switch (type) {
      case "v":
        version = Number(v);
        if (version !== 0) throw new SdpParseError(`unsupported SDP version ${v}`);
        break;
      case "o": {
        const p = v.split(/\s+/);
        if (p.length < 6) throw new SdpParseError(`bad o= line: ${v}`);
        origin = {
          username: p[0]!,
          sessionId: p[1]!,
          sessionVersion: p[2]!,
          netType: p[3]!,
          addrType: p[4]!,
          address: p[5]!,
        };
        break;
      }
      case "s":
        sessionName = v;
        break;
      case "c":
        if (m) m.connection = parseConnection(v);
        else connection = parseConnection(v);
        break;
      case "t":
        timing ??= v;
        break;
      case "m": {
        const p = v.trim().split(/\s+/);
        if (p.length < 3) throw new SdpParseError(`bad m= line: ${v}`);
        const [portStr, countStr] = p[1]!.split("/");
        const port = Number(portStr);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SdpParseError(`bad m= port: ${v}`);
        m = { type: p[0]!, port, proto: p[2]!, formats: p.slice(3), attributes: [], other: [] };
        if (countStr !== undefined) m.portCount = Number(countStr);
        media.push(m);
        break;
      }
      case "a":
        (m ? m.attributes : attributes).push(parseAttribute(v));
        break;
      default:
        (m ? m.other : other).push(line);
    }
  }
  if (version === undefined) throw new SdpParseError("missing v= line");
  if (!origin) throw new SdpParseError("missing o= line");
  return {
    version,
    origin,
    sessionName: sessionName ?? "-",
    ...(connection ? { connection } : {}),
    timing: timing ?? "0 0",
    attributes,
    other,
    media,
  };
}

function attr(a: Attribute): string {
  return a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`;
}

function conn(c: Connection): string {
  return `c=${c.netType} ${c.addrType} ${c.address}`;
}

/** Writes an SDP body with CRLF line ends, lines in the order RFC 4566 §5 requires. */
export function serializeSdp(sdp: SessionDescription): string {
  const o = sdp.origin;
  const out = [
    `v=${sdp.version}`,
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`,
    `s=${sdp.sessionName || "-"}`,
  ];
  // RFC 4566 order: i u e p c b t r z k a
  const before = sdp.other.filter((l) => "iuep".includes(l[0]!));
  const after = sdp.other.filter((l) => !"iuep".includes(l[0]!));
  out.push(...before);
  if (sdp.connection) out.push(conn(sdp.connection));
  out.push(...after.filter((l) => l[0] === "b"));
  out.push(`t=${sdp.timing}`);
  out.push(...after.filter((l) => l[0] !== "b"));
  for (const a of sdp.attributes) out.push(attr(a));
  for (const m of sdp.media) {
    const port = m.portCount !== undefined ? `${m.port}/${m.portCount}` : String(m.port);
    out.push(`m=${m.type} ${port} ${m.proto} ${m.formats.join(" ")}`.trimEnd());
    out.push(...m.other.filter((l) => l[0] === "i"));
    if (m.connection) out.push(conn(m.connection));
    out.push(...m.other.filter((l) => l[0] !== "i"));
    for (const a of m.attributes) out.push(attr(a));
  }
  return `${out.join("\r\n")}\r\n`;
}

export interface RtpMap {
  payloadType: number;
  encoding: string;
  clockRate: number;
  channels: number;
}

/**
 * The codecs of a media section: its a=rtpmap lines, plus the static payload types of RFC 3551
 * table 4 we know (0 PCMU, 8 PCMA) when they have no rtpmap.
 */
export function rtpMaps(m: MediaDescription): RtpMap[] {
  const maps = new Map<number, RtpMap>();
  for (const a of m.attributes) {
    if (a.name !== "rtpmap" || !a.value) continue;
    const match = /^(\d+)\s+([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(a.value.trim());
    if (!match) continue;
    const payloadType = Number(match[1]);
    maps.set(payloadType, {
      payloadType,
      encoding: match[2]!,
      clockRate: Number(match[3]),
      channels: match[4] ? Number(match[4]) : 1,
    });
  }
  const out: RtpMap[] = [];
  for (const f of m.formats) {
    const pt = Number(f);
    if (!Number.isInteger(pt)) continue;
    const known = maps.get(pt);
    if (known) out.push(known);
    else if (pt === 0) out.push({ payloadType: 0, encoding: "PCMU", clockRate: 8000, channels: 1 });
    else if (pt === 8) out.push({ payloadType: 8, encoding: "PCMA", clockRate: 8000, channels: 1 });
  }
  return out;
}

export type Direction = "sendrecv" | "sendonly" | "recvonly" | "inactive";
const DIRECTIONS: readonly string[] = ["sendrecv", "sendonly", "recvonly", "inactive"];

/** RFC 4566 §6: the media's direction attribute, else the session's, else sendrecv. */
export function directionOf(sdp: SessionDescription, m: MediaDescription): Direction {
  const pick = (as: Attribute[]) => as.find((a) => DIRECTIONS.includes(a.name))?.name as Direction | undefined;
  return pick(m.attributes) ?? pick(sdp.attributes) ?? "sendrecv";
}

export function attributeValue(m: MediaDescription, name: string): string | undefined {
  return m.attributes.find((a) => a.name === name)?.value;
}

/** The connection address for a media section (its own c= or the session's). */
export function connectionOf(sdp: SessionDescription, m: MediaDescription): Connection | undefined {
  return m.connection ?? sdp.connection;
}
