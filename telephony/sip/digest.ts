/**
 * HTTP Digest authentication for SIP (RFC 3261 §22, RFC 7616), MD5 and SHA-256, qop=auth.
 *
 * The client side answers a 401/407 challenge; the server side issues challenges and checks
 * credentials. Nonces carry their issue time and an HMAC over it, so the server keeps no
 * state and can tell an expired (stale) nonce from a forged one.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../clock.ts";
import { readQuoted, SipSyntaxError, skipWs } from "./grammar.ts";

export type DigestAlgorithm = "MD5" | "SHA-256";

export interface DigestChallenge {
  realm: string;
  nonce: string;
  algorithm: DigestAlgorithm;
  qop: string[];
  opaque?: string;
  stale: boolean;
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  qop?: string;
  nc?: string;
  cnonce?: string;
  opaque?: string;
}

/** Parses `Digest k=v, k="v"` auth-params (RFC 7616 §3.3 / RFC 3261 §25.1). */
export function parseAuthParams(header: string): { scheme: string; params: Map<string, string> } {
  const s = header.trim();
  const sp = s.search(/[ \t]/);
  const scheme = sp < 0 ? s : s.slice(0, sp);
  const params = new Map<string, string>();
  let i = sp < 0 ? s.length : skipWs(s, sp);
  while (i < s.length) {
    const eq = s.indexOf("=", i);
    if (eq < 0) throw new SipSyntaxError("bad auth-param");
    const name = s.slice(i, eq).trim().toLowerCase();
    i = skipWs(s, eq + 1);
    let value: string;
    if (s[i] === '"') {
      const q = readQuoted(s, i);
      value = q.value;
      i = q.end;
    } else {
      let j = i;
      while (j < s.length && s[j] !== ",") j++;
      value = s.slice(i, j).trim();
      i = j;
    }
    params.set(name, value);
    i = skipWs(s, i);
    if (s[i] === ",") i = skipWs(s, i + 1);
  }
  return { scheme, params };
}

function algorithmOf(v: string | undefined): DigestAlgorithm | undefined {
  if (v === undefined) return "MD5"; // "If this is not present, it is assumed to be "MD5"." RFC 7616 §3.3
  const u = v.toUpperCase();
  if (u === "MD5") return "MD5";
  if (u === "SHA-256") return "SHA-256";
  return undefined;
}

/** Reads a WWW-Authenticate / Proxy-Authenticate value; undefined for non-Digest or unknown algorithms. */
export function parseChallenge(header: string): DigestChallenge | undefined {
  const { scheme, params } = parseAuthParams(header);
  if (scheme.toLowerCase() !== "digest") return undefined;
  const algorithm = algorithmOf(params.get("algorithm"));
  const realm = params.get("realm");
  const nonce = params.get("nonce");
  if (!algorithm || realm === undefined || nonce === undefined) return undefined;
  const qop = (params.get("qop") ?? "")
    .split(",")
    .map((q) => q.trim())
    .filter(Boolean);
  const opaque = params.get("opaque");
  return {
    realm,
    nonce,
    algorithm,
    qop,
    ...(opaque !== undefined ? { opaque } : {}),
    stale: (params.get("stale") ?? "").toLowerCase() === "true",
  };
}

export function parseCredentials(header: string): DigestCredentials | undefined {
  const { scheme, params } = parseAuthParams(header);
  if (scheme.toLowerCase() !== "digest") return undefined;
  const algorithm = algorithmOf(params.get("algorithm"));
  const username = params.get("username");
  const realm = params.get("realm");
  const nonce = params.get("nonce");
  const uri = params.get("uri");
  const response = params.get("response");
  if (!algorithm || !username || realm === undefined || !nonce || !uri || !response) return undefined;
  const out: DigestCredentials = { username, realm, nonce, uri, response, algorithm };
  const qop = params.get("qop");
  if (qop !== undefined) out.qop = qop;
  const nc = params.get("nc");
  if (nc !== undefined) out.nc = nc;
  const cnonce = params.get("cnonce");
  if (cnonce !== undefined) out.cnonce = cnonce;
  const opaque = params.get("opaque");
  if (opaque !== undefined) out.opaque = opaque;
  return out;
}

function hash(algorithm: DigestAlgorithm, data: string): string {
  return createHash(algorithm === "MD5" ? "md5" : "sha256")
    .update(data, "utf8")
    .digest("hex");
}

/**
 * response = KD(H(A1), unq(nonce) ":" nc ":" unq(cnonce) ":" unq(qop) ":" H(A2)) with
 * A1 = username ":" realm ":" password and A2 = Method ":" request-uri — RFC 7616 §3.4.1–3.4.3;
 * without qop, KD(H(A1), nonce ":" H(A2)) (RFC 2617 §3.2.2.1, which RFC 3261 keeps).
 */
export function computeResponse(p: {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  /** The password, or `ha1`: H(A1) as a registrar may store it instead (RFC 7616 §3.4.2). */
  password?: string;
  ha1?: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}): string {
  const ha1 = p.ha1 ?? hash(p.algorithm, `${p.username}:${p.realm}:${p.password ?? ""}`);
  const ha2 = hash(p.algorithm, `${p.method}:${p.uri}`);
  if (p.qop) return hash(p.algorithm, `${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
  return hash(p.algorithm, `${ha1}:${p.nonce}:${ha2}`);
}

/** Formats an Authorization / Proxy-Authorization value. */
export function formatCredentials(c: DigestCredentials): string {
  let s = `Digest username="${c.username}", realm="${c.realm}", nonce="${c.nonce}", uri="${c.uri}", response="${c.response}", algorithm=${c.algorithm}`;
  if (c.qop) s += `, qop=${c.qop}, nc=${c.nc}, cnonce="${c.cnonce}"`;
  if (c.opaque !== undefined) s += `, opaque="${c.opaque}"`;
  return s;
}

/**
 * Client side: answers a challenge. "If the qop directive is present ... the client MUST use
 * one of the values offered" — we use "auth" when offered, none when the server sent no qop.
 * `nc` counts uses of the same nonce.
 */
export function answerChallenge(
  ch: DigestChallenge,
  cred: { username: string; password: string },
  method: string,
  uri: string,
  nc = 1,
  cnonce = randomBytes(12).toString("hex"),
): DigestCredentials {
  const qop = ch.qop.includes("auth") ? "auth" : undefined;
  const ncHex = nc.toString(16).padStart(8, "0");
  const response = computeResponse({
    algorithm: ch.algorithm,
    username: cred.username,
    realm: ch.realm,
    password: cred.password,
    method,
    uri,
    nonce: ch.nonce,
    ...(qop ? { qop, nc: ncHex, cnonce } : {}),
  });
  const out: DigestCredentials = {
    username: cred.username,
    realm: ch.realm,
    nonce: ch.nonce,
    uri,
    response,
    algorithm: ch.algorithm,
  };
  if (qop) {
    out.qop = qop;
    out.nc = ncHex;
    out.cnonce = cnonce;
  }
  if (ch.opaque !== undefined) out.opaque = ch.opaque;
  return out;
}

/**
 * What a server knows of a user: the password, or only H(A1) = H(username ":" realm ":"
 * password) per algorithm (RFC 7616 §3.4.2), so the password itself need not be stored.
 */
export type DigestSecret = { password: string } | { ha1: Partial<Record<DigestAlgorithm, string>> };

export type VerifyResult =
  | { ok: true; username: string }
  | {
      ok: false;
      reason: "missing" | "malformed" | "unknown-user" | "wrong-realm" | "bad-nonce" | "stale" | "bad-response";
    };

export interface DigestServerOptions {
  clock: Clock;
  realm: string;
  /** Algorithms offered, each as its own challenge, strongest first (RFC 7616 §3.7). */
  algorithms?: DigestAlgorithm[];
  /** How long a nonce stays fresh. Default 300 s (no RFC value; a common choice). */
  nonceLifetimeMs?: number;
  /** HMAC key for nonces; random per server when absent. */
  secret?: Buffer;
}

/** Server side: issues challenges and checks Authorization headers. */
export class DigestServer {
  readonly realm: string;
  private readonly clock: Clock;
  private readonly algorithms: DigestAlgorithm[];
  private readonly lifetime: number;
  private readonly secret: Buffer;
  private readonly opaque: string;

  constructor(opts: DigestServerOptions) {
    this.clock = opts.clock;
    this.realm = opts.realm;
    this.algorithms = opts.algorithms ?? ["SHA-256", "MD5"];
    this.lifetime = opts.nonceLifetimeMs ?? 300_000;
    this.secret = opts.secret ?? randomBytes(32);
    this.opaque = randomBytes(8).toString("hex");
  }

  private makeNonce(): string {
    const ts = Math.floor(this.clock.now()).toString(16);
    const salt = randomBytes(6).toString("hex");
    const mac = createHmac("sha256", this.secret).update(`${ts}:${salt}`).digest("base64url").slice(0, 22);
    return `${ts}.${salt}.${mac}`;
  }

  /** "fresh" | "stale" | "bad" */
  private checkNonce(nonce: string): "fresh" | "stale" | "bad" {
    const [ts, salt, mac] = nonce.split(".");
    if (!ts || !salt || !mac) return "bad";
    const want = createHmac("sha256", this.secret).update(`${ts}:${salt}`).digest("base64url").slice(0, 22);
    const a = Buffer.from(mac);
    const b = Buffer.from(want);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return "bad";
    const age = this.clock.now() - Number.parseInt(ts, 16);
    return age >= 0 && age <= this.lifetime ? "fresh" : "stale";
  }

  /** Challenge header values, one per algorithm (`stale=true` after an expired nonce). */
  challenges(stale = false): string[] {
    return this.algorithms.map((alg) => {
      let s = `Digest realm="${this.realm}", nonce="${this.makeNonce()}", algorithm=${alg}, qop="auth", opaque="${this.opaque}"`;
      if (stale) s += ", stale=true";
      return s;
    });
  }

  /**
   * Checks an Authorization value for `method` against the password `lookup` gives for the
   * user, or against its stored H(A1) for the algorithm used (a user without one for that
   * algorithm is unknown to it). A good response with an expired nonce is "stale": "the
   * server SHOULD ... send a new challenge with stale=TRUE" (RFC 7616 §3.3).
   */
  verify(
    header: string | undefined,
    method: string,
    lookup: (username: string, realm: string) => DigestSecret | undefined,
  ): VerifyResult {
    if (header === undefined) return { ok: false, reason: "missing" };
    let c: DigestCredentials | undefined;
    try {
      c = parseCredentials(header);
    } catch {
      return { ok: false, reason: "malformed" };
    }
    if (!c) return { ok: false, reason: "malformed" };
    if (c.realm !== this.realm) return { ok: false, reason: "wrong-realm" };
    if (!this.algorithms.includes(c.algorithm)) return { ok: false, reason: "malformed" };
    const user = lookup(c.username, c.realm);
    const secret = user && ("password" in user ? { password: user.password } : { ha1: user.ha1[c.algorithm] });
    if (!secret || (secret.password === undefined && secret.ha1 === undefined)) {
      return { ok: false, reason: "unknown-user" };
    }
    const nonce = this.checkNonce(c.nonce);
    if (nonce === "bad") return { ok: false, reason: "bad-nonce" };
    if (c.qop !== undefined && c.qop !== "auth") return { ok: false, reason: "malformed" };
    const expected = computeResponse({
      algorithm: c.algorithm,
      username: c.username,
      realm: c.realm,
      ...secret,
      method,
      uri: c.uri,
      nonce: c.nonce,
      ...(c.qop ? { qop: c.qop, nc: c.nc ?? "", cnonce: c.cnonce ?? "" } : {}),
    });
    const a = Buffer.from(expected);
    const b = Buffer.from(c.response.toLowerCase());
    if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: "bad-response" };
    if (nonce === "stale") return { ok: false, reason: "stale" };
    return { ok: true, username: c.username };
  }
}
