/**
 * Headless Chromium (the Debian package) driven by playwright-core, for tests of the web UI.
 * Never downloads a browser. playwright starts Chromium with a new empty profile directory of
 * its own (and removes it); each page opens in its own fresh browser context, so no cookies or
 * storage pass between pages.
 */
import { type Browser, chromium, type Page } from "playwright-core";

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Several pages share one browser; without these a page not in front has its timers throttled
  // (the UI's 100 ms progress poll would then run about once a second).
  "--disable-background-timer-throttling",
  "--disable-renderer-backgrounding",
  "--disable-backgrounding-occluded-windows",
];

export interface TestBrowser {
  browser: Browser;
  /** A page in a new context with a 1366×768 window (the smallest screen the UI must read well on). */
  newPage(opts?: { width?: number; height?: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
  });
  return {
    browser,
    async newPage(opts = {}) {
      const context = await browser.newContext({
        viewport: { width: opts.width ?? 1366, height: opts.height ?? 768 },
        locale: "en-US",
        timezoneId: "UTC",
      });
      return context.newPage();
    },
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}
