// What every browser walk shares: the app's address, Debian's chromium through
// playwright-core, screenshots under target/web-e2e/<walk>/, an axe check of every step
// (serious or critical findings fail the walk), the Content-Security-Policy watch, and
// signing in and registering as a person would.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

export const base = (process.env.HMS_WEB_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
export const adminPassword = process.env.HMS_ADMIN_PASSWORD ?? "";

/**
 * Starts a walk named `name`; `run(walk)` does its steps. Afterwards the walk fails on any
 * accessibility finding or CSP violation, and on failure every page's last view is saved.
 */
export async function walk(name, run) {
  const shots = join(
    dirname(fileURLToPath(import.meta.url)),
    "..",
    "..",
    "target",
    "web-e2e",
    name,
  );
  mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  let step = 0;
  const inaccessible = [];
  const violations = [];
  const pages = [];

  const harness = {
    browser,
    async shot(page, label) {
      step += 1;
      const file = join(shots, `${String(step).padStart(2, "0")}-${label}.png`);
      await page.screenshot({ path: file, fullPage: true });
      const { violations: found } = await new AxeBuilder({ page }).analyze();
      for (const v of found.filter((v) => v.impact === "serious" || v.impact === "critical")) {
        const where = v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 3)
          .join(", ");
        inaccessible.push(`${label}: ${v.id} (${v.impact}) ${v.help} at ${where}`);
      }
      console.log(`${name} step ${step}: ${label}`);
    },
    async newPage(viewport = { width: 1280, height: 900 }) {
      const context = await browser.newContext({ locale: "en-GB", viewport });
      const page = await context.newPage();
      pages.push(page);
      page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
      page.on("console", (message) => {
        if (message.text().includes("Content Security Policy")) violations.push(message.text());
      });
      return page;
    },
    register,
    signIn,
  };

  try {
    await run(harness);
    if (inaccessible.length > 0) {
      throw new Error(`accessibility violations:\n${inaccessible.join("\n")}`);
    }
    if (violations.length > 0) {
      throw new Error(`Content-Security-Policy violations:\n${violations.join("\n")}`);
    }
    console.log(`${name} passed`);
  } catch (error) {
    for (const [i, page] of pages.entries()) {
      if (page.isClosed()) continue;
      await page.screenshot({ path: join(shots, `failed-${String(i)}.png`), fullPage: true });
    }
    throw error;
  } finally {
    await browser.close();
  }
}

export async function register(page, who) {
  await page.goto(`${base}/register`);
  await page.getByLabel("First name").fill(who.first);
  await page.getByLabel("Last name").fill(who.last);
  await page.getByLabel("Username", { exact: true }).fill(who.username);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Create an account" }).click();
  await page.waitForURL(/\/sign-in\?notice=registered/);
}

export async function signIn(page, username, password) {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("Username or email").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
}
