// Two tabs of one browser keep one session alive through many refreshes: refresh tokens
// work once and a token presented twice revokes the whole session, so the tabs must take
// turns (navigator.locks). Run against an `hms up` whose access tokens live 8 seconds
// (HMS_USER__ACCESS_TOKEN_TTL_SECS=8): each tab then refreshes every 5 seconds. Then one
// tab signs out, and the other is shown the sign-in page.
//
//   HMS_WEB_URL=http://127.0.0.1:8080 node --preserve-symlinks e2e/tabs.mjs
import { chromium } from "playwright-core";

const base = (process.env.HMS_WEB_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
const user = `tabs.${String(Date.now() % 1_000_000)}`;
const password = `${user}-password`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox"],
});

try {
  const context = await browser.newContext({ locale: "en-GB" });
  const first = await context.newPage();
  await first.goto(`${base}/register`);
  await first.getByLabel("Username", { exact: true }).fill(user);
  await first.getByLabel("Email").fill(`${user}@example.com`);
  await first.getByLabel("Password").fill(password);
  await first.getByRole("button", { name: "Create an account" }).click();
  await first.waitForURL(/notice=registered/);
  await first.getByLabel("Username or email").fill(user);
  await first.getByLabel("Password").fill(password);
  await first.getByRole("button", { name: "Sign in" }).click();
  await first.waitForURL(/\/book/);
  const second = await context.newPage();
  await second.goto(`${base}/appointments`);
  await second.getByRole("heading", { name: "My appointments" }).waitFor();

  await first.waitForTimeout(45_000);
  for (const page of [first, second]) {
    await page.getByRole("link", { name: "Notifications" }).click();
    await page.locator(".inbox li").first().waitFor({ timeout: 10_000 });
    if (new URL(page.url()).pathname !== "/notifications")
      throw new Error("a tab lost the session");
  }
  console.log("both tabs kept the session");

  // Signing out in one tab ends the session of the other: its next refresh or call is
  // refused, and it shows the sign-in page saying why.
  await first.getByRole("button", { name: "Sign out" }).click();
  await first.getByText("You are signed out.").waitFor();
  await second.waitForURL(/\/sign-in\?.*ended=(revoked|expired)/, { timeout: 20_000 });
  await second.getByText(/Please sign in again/).waitFor();
  console.log("signing out in one tab ended the other's session");
} finally {
  await browser.close();
}
