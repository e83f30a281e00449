import test from "ava";
import { signOnBanner } from "../../../controller/api/schemas/access.ts";
import { adminName, adminPassword, type Harness, signIn, startHarness } from "./app-harness.ts";

let h: Harness;
test.before(async () => {
  h = await startHarness();
});
test.after.always(async () => {
  await h?.close();
});

test("the server serves an OpenAPI document describing its routes", async (t) => {
  const res = await h.app.inject({ method: "GET", url: "/api/openapi.json" });
  t.is(res.statusCode, 200);
  const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
  t.true(doc.openapi.startsWith("3."));
  for (const p of ["/api/session", "/api/users", "/api/users/{id}", "/api/levels", "/api/audit"]) {
    t.truthy(doc.paths[p], `missing ${p}`);
  }
});

test("an unknown route answers a JSON 404 with a stable code", async (t) => {
  const res = await h.app.inject({ method: "GET", url: "/api/nothing-here" });
  t.is(res.statusCode, 404);
  t.is(res.json().error.code, "not_found");
});

test("malformed JSON is a 400 with a clear body, not a stack trace", async (t) => {
  const res = await h.app.inject({
    method: "POST",
    url: "/api/session",
    headers: { "content-type": "application/json" },
    payload: "{not json",
  });
  t.is(res.statusCode, 400);
  const body = res.json();
  t.is(body.error.code, "validation_failed");
  t.false(res.body.includes("at "), "no stack frames");
});

test("a body that breaks the schema names the field that is wrong", async (t) => {
  const res = await h.app.inject({ method: "POST", url: "/api/session", payload: { username: "x" } });
  t.is(res.statusCode, 400);
  const body = res.json();
  t.is(body.error.code, "validation_failed");
  t.true(body.error.details.some((d: { path: string }) => d.path.includes("password")));
});

test("the sign-on banner carries the spec's exact wording", async (t) => {
  const res = await h.app.inject({ method: "GET", url: "/api/banner" });
  t.is(res.json().banner, signOnBanner);
  t.true(
    signOnBanner.startsWith(
      "WARNING! By accessing and using this computer system you are consenting to system monitoring for law enforcement purposes.",
    ),
  );
  t.true(signOnBanner.endsWith("may subject you to criminal prosecution and penalties."));
});

test("an unexpected failure is a 500 with an incident id and no details", async (t) => {
  const res = await h.app.inject({ method: "GET", url: "/api/banner" });
  t.is(res.statusCode, 200);
  // Break the store under the route: the error must not leak SQL or paths.
  const broken = await startHarness();
  const c = await signIn(broken.app, adminName, adminPassword);
  await broken.store.close();
  const r = await c.get("/api/users");
  t.is(r.statusCode, 500);
  t.is(r.json().error.code, "internal");
  t.notRegex(r.body, /sqlite|SELECT|\/tmp|\.ts/i);
  await broken.close().catch(() => undefined);
});
