import test from "ava";
import { signOnBanner } from "../../controller/api/schemas/access.ts";
import { adminName, adminPassword, type E2e, screenshot, signInUi, startE2e } from "./e2e-harness.ts";

let e: E2e;
test.before(async () => {
  e = await startE2e();
});
test.after.always(async () => {
  await e?.close();
});

test.serial("the sign-on screen shows the banner's exact wording before sign-in", async (t) => {
  const page = await e.browser.newPage();
  await page.goto(e.url);
  const banner = page.getByTestId("banner");
  await banner.waitFor();
  t.is((await banner.textContent())?.trim(), signOnBanner);
  await screenshot(page, "sign-in");
  // A wrong password is refused with a message, not a crash.
  await page.getByLabel("User name").fill(adminName);
  await page.getByLabel("Password").fill("wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").waitFor();
  t.regex((await page.getByRole("alert").textContent()) ?? "", /wrong/);
  await page.close();
});

test.serial("the Central Office signs in, creates a user, and the audit trail shows it", async (t) => {
  const page = await e.browser.newPage();
  await signInUi(page, e.url, adminName, adminPassword);
  await page.goto(`${e.url}#/users`);
  await page.locator('input[name="new-username"]').fill("officer1");
  await page.locator('input[name="new-display-name"]').fill("Officer One");
  await page.locator('select[name="new-level"]').selectOption({ label: "4. Monitoring Officer" });
  await page.locator('input[name="new-facilities"]').fill("fac-a");
  await page.locator('input[name="new-password"]').fill("officer-initial-1");
  await page.getByRole("button", { name: "Create" }).click();
  await page.getByRole("cell", { name: "Officer One" }).waitFor();
  await screenshot(page, "users");
  // An administrator sets a new password; the officer must change it at next sign-on.
  await page
    .getByRole("row", { name: /officer1/ })
    .getByRole("button", { name: "Reset password" })
    .click();
  await page.locator('input[name="reset-password"]').fill("temporary-pass-2");
  await page.getByRole("form", { name: "Reset password" }).getByRole("button", { name: "Save" }).click();
  await page.getByRole("form", { name: "Reset password" }).waitFor({ state: "detached" });
  const officer = (await e.access.users.byUsername("officer1"))!;
  t.is(officer.must_change_password, 1);

  await page.goto(`${e.url}#/levels`);
  await page.getByRole("cell", { name: "Central Office" }).waitFor();
  const rows = await page.locator("table.data tbody tr").count();
  t.true(rows >= 6, "at least six access levels");
  await screenshot(page, "access-levels");

  await page.goto(`${e.url}#/audit`);
  await page.getByRole("cell", { name: "user.create" }).first().waitFor();
  await page.getByRole("button", { name: "Verify integrity" }).click();
  await page.getByTestId("verify-result").waitFor();
  t.regex((await page.getByTestId("verify-result").textContent()) ?? "", /intact/);
  await screenshot(page, "audit-trail");
  await page.close();
});

test.serial("the UI is usable by keyboard alone: sign in with Tab and Enter", async (t) => {
  const page = await e.browser.newPage();
  await page.goto(e.url);
  await page.getByTestId("banner").waitFor();
  await page.keyboard.press("Tab");
  await page.keyboard.type(adminName);
  await page.keyboard.press("Tab");
  await page.keyboard.type(adminPassword);
  await page.keyboard.press("Enter");
  await page.getByTestId("signed-in-as").waitFor();
  t.pass();
  await page.close();
});

test.serial("the UI speaks Spanish when asked", async (t) => {
  const page = await e.browser.newPage();
  await page.goto(e.url);
  await page.getByTestId("language").selectOption("es");
  await page.getByRole("button", { name: "Iniciar sesión" }).waitFor();
  // The spec's English wording stays, with a translation beside it.
  t.is((await page.getByTestId("banner").textContent())?.trim(), signOnBanner);
  t.true(await page.getByText("¡ADVERTENCIA!").isVisible());
  await page.getByTestId("language").selectOption("en");
  await page.close();
});

test.serial("the Central Office switches the password policy to the spec's table and back", async (t) => {
  const page = await e.browser.newPage();
  await signInUi(page, e.url, adminName, adminPassword);
  await page.goto(`${e.url}#/settings`);
  await page.getByRole("button", { name: /Spec table/ }).click();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("status").waitFor();
  const stored = await e.access.settings.get();
  t.is(stored.password.maxLength, 8);
  t.is(stored.password.lifetimeDays, 182);
  t.true(stored.password.requireDigit);
  await screenshot(page, "access-settings");
  await page.getByRole("button", { name: /NIST/ }).click();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("status").waitFor();
  t.is((await e.access.settings.get()).password.lifetimeDays, null);
  await page.close();
});
