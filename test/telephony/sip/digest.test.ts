/**
 * Digest authentication (RFC 7616): the §3.9.1 example computed exactly, and a full
 * challenge → answer → verify round trip on the server side in virtual time.
 */
import { createHash } from "node:crypto";
import test from "ava";
import { VirtualClock } from "../../../telephony/clock.ts";
import {
  answerChallenge,
  computeResponse,
  DigestServer,
  formatCredentials,
  parseChallenge,
  parseCredentials,
} from "../../../telephony/sip/digest.ts";

/** RFC 7616 §3.9.1 example inputs. */
const EX = {
  username: "Mufasa",
  password: "Circle of Life",
  realm: "http-auth@example.org",
  nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
  uri: "/dir/index.html",
  method: "GET",
  qop: "auth",
  nc: "00000001",
  cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
};

test("RFC 7616 §3.9.1: the SHA-256 response for Mufasa is 753927fa...cb6c1", (t) => {
  t.is(
    computeResponse({ ...EX, algorithm: "SHA-256" }),
    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
  );
});

test("RFC 7616 §3.9.1: the MD5 response for Mufasa is 8ca523f5e9506fed4657c9700eebdbec", (t) => {
  t.is(computeResponse({ ...EX, algorithm: "MD5" }), "8ca523f5e9506fed4657c9700eebdbec");
});

test("the RFC 7616 example challenge parses, and the client answers it with the example's response", (t) => {
  const ch = parseChallenge(
    `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="${EX.nonce}", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
  );
  if (!ch) return t.fail();
  t.deepEqual(ch.qop, ["auth", "auth-int"]);
  const c = answerChallenge(ch, EX, "GET", EX.uri, 1, EX.cnonce);
  t.is(c.response, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  const back = parseCredentials(formatCredentials(c));
  t.deepEqual(back, c);
});

function server(clock = new VirtualClock()) {
  return { clock, srv: new DigestServer({ clock, realm: "yardline" }) };
}
const users = (name: string) => (name === "station-101" ? { password: "s3cret" } : undefined);

for (const algorithm of ["SHA-256", "MD5"] as const) {
  test(`server challenge → client response → accepted (${algorithm})`, (t) => {
    const { srv } = server();
    const headers = srv.challenges();
    const ch = headers.map((h) => parseChallenge(h)).find((c) => c?.algorithm === algorithm);
    if (!ch) return t.fail();
    const c = answerChallenge(ch, { username: "station-101", password: "s3cret" }, "REGISTER", "sip:yardline");
    t.deepEqual(srv.verify(formatCredentials(c), "REGISTER", users), { ok: true, username: "station-101" });
  });
}

test("a server that keeps only H(A1) per algorithm accepts the right password and refuses a wrong one", (t) => {
  const { srv } = server();
  const h = (alg: string, v: string) => createHash(alg).update(v).digest("hex");
  const a1 = "monitor-desk:yardline:s3cret";
  const stored = (name: string) =>
    name === "monitor-desk" ? { ha1: { MD5: h("md5", a1), "SHA-256": h("sha256", a1) } } : undefined;
  for (const header of srv.challenges()) {
    const ch = parseChallenge(header)!;
    const good = answerChallenge(ch, { username: "monitor-desk", password: "s3cret" }, "REGISTER", "sip:yardline");
    t.deepEqual(srv.verify(formatCredentials(good), "REGISTER", stored), { ok: true, username: "monitor-desk" });
    const bad = answerChallenge(ch, { username: "monitor-desk", password: "guess" }, "REGISTER", "sip:yardline");
    t.deepEqual(srv.verify(formatCredentials(bad), "REGISTER", stored), { ok: false, reason: "bad-response" });
  }
  // Without a digest for the algorithm used, the user is unknown to it.
  const md5Only = (name: string) => (name === "monitor-desk" ? { ha1: { MD5: h("md5", a1) } } : undefined);
  const sha = parseChallenge(srv.challenges().find((c) => c.includes("SHA-256"))!)!;
  const c = answerChallenge(sha, { username: "monitor-desk", password: "s3cret" }, "REGISTER", "sip:yardline");
  t.deepEqual(srv.verify(formatCredentials(c), "REGISTER", md5Only), { ok: false, reason: "unknown-user" });
});

test("a wrong password is refused", (t) => {
  const { srv } = server();
  const ch = parseChallenge(srv.challenges()[0] as string)!;
  const c = answerChallenge(ch, { username: "station-101", password: "guess" }, "REGISTER", "sip:yardline");
  t.deepEqual(srv.verify(formatCredentials(c), "REGISTER", users), { ok: false, reason: "bad-response" });
});

test("an unknown user, a forged nonce and a response for another method are refused", (t) => {
  const { srv } = server();
  const ch = parseChallenge(srv.challenges()[0] as string)!;
  const stranger = answerChallenge(ch, { username: "nobody", password: "x" }, "REGISTER", "sip:yardline");
  t.deepEqual(srv.verify(formatCredentials(stranger), "REGISTER", users), { ok: false, reason: "unknown-user" });
  const forged = answerChallenge(
    { ...ch, nonce: "18f.abc.forgedforgedforgedforg" },
    { username: "station-101", password: "s3cret" },
    "REGISTER",
    "sip:yardline",
  );
  t.deepEqual(srv.verify(formatCredentials(forged), "REGISTER", users), { ok: false, reason: "bad-nonce" });
  const good = answerChallenge(ch, { username: "station-101", password: "s3cret" }, "REGISTER", "sip:yardline");
  t.deepEqual(srv.verify(formatCredentials(good), "INVITE", users), { ok: false, reason: "bad-response" });
});

test("a correct response with an expired nonce is stale, and the new challenge says stale=true", (t) => {
  const { clock, srv } = server();
  const ch = parseChallenge(srv.challenges()[0] as string)!;
  const c = answerChallenge(ch, { username: "station-101", password: "s3cret" }, "REGISTER", "sip:yardline");
  clock.advance(300_001);
  t.deepEqual(srv.verify(formatCredentials(c), "REGISTER", users), { ok: false, reason: "stale" });
  const again = parseChallenge(srv.challenges(true)[0] as string);
  t.true(again?.stale);
});
