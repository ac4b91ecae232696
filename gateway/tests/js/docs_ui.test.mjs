// Chromium (the system's, driven by playwright-core) uses the Swagger UI at
// /docs as a person would: logs in through "try it out" on
// POST /api/v1/users/login, then calls an authenticated route (GET
// /api/v1/users/me) from the page; in a second, fresh page, pastes a token
// into "Authorize" and calls it again. Every request the page makes must go
// to the gateway (anything else is aborted and fails the test: the page
// works offline), and the page must run without a Content-Security-Policy
// violation. The page filters the operations by service (UserService) first,
// as a person would in a list too long to render at once.
//
// Environment: GATEWAY_URL, CHROMIUM (the browser's path), USERNAME, PASSWORD.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const gateway = new URL(env("GATEWAY_URL"));
const username = env("USERNAME");
const password = env("PASSWORD");
const timeout = 30_000;

const browser = await chromium.launch({
  executablePath: env("CHROMIUM"),
  // Tests run as root in CI, where Chromium's sandbox cannot start.
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});

/** A fresh page on /docs, with its foreign requests and CSP violations recorded. */
async function openDocs() {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  const foreign = [];
  const problems = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.origin === gateway.origin || url.protocol === "data:") {
      return route.continue();
    }
    foreign.push(url.href);
    return route.abort();
  });
  page.on("console", (message) => {
    if (message.type() === "error" && /Content.Security.Policy|Refused to/i.test(message.text())) {
      problems.push(message.text());
    }
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  const response = await page.goto(new URL("/docs", gateway).href);
  assert.equal(response.status(), 200);
  assert.match(response.headers()["content-security-policy"], /script-src 'self'/);
  await page.locator(".swagger-ui .info .title").filter({ hasText: "HMS API" }).waitFor();
  // The whole list is virtualized (only what is on screen exists): filter to the service.
  await page.locator("input.operation-filter-input").fill("UserService");
  return { context, page, foreign, problems };
}

/** Opens an operation's block, executes it and returns the API's response. */
async function execute(page, operationId, path, body) {
  const block = page.locator(`[id$="-${operationId}"].opblock`);
  await block.locator(".opblock-summary").first().click();
  if (body !== undefined) {
    const editor = block.locator("textarea.body-param__text");
    await editor.fill(JSON.stringify(body));
  }
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === path),
    block.locator("button.execute").click(),
  ]);
  // The UI shows what the API answered.
  await block.locator(".live-responses-table .response-col_status").first().waitFor();
  return response;
}

// 1. Login through "try it out"; the page then calls as that user.
{
  const { context, page, foreign, problems } = await openDocs();
  const login = await execute(page, "UserService_Login", "/api/v1/users/login", { username, password });
  assert.equal(login.status(), 200, await login.text());
  const me = await execute(page, "UserService_GetMe", "/api/v1/users/me");
  assert.equal(me.status(), 200, await me.text());
  assert.match(me.request().headers()["authorization"] ?? "", /^Bearer ./);
  assert.equal((await me.json()).user.username, username);
  const shown = await page.locator(`[id$="-UserService_GetMe"] .live-responses-table`).innerText();
  assert.match(shown, new RegExp(username.replace(".", "\\.")), "the UI shows the answer");
  assert.deepEqual(foreign, [], "the page requested nothing outside the gateway");
  assert.deepEqual(problems, [], "no CSP violation or script error");
  await context.close();
}

// 2. A token pasted into "Authorize".
{
  const answer = await fetch(new URL("/api/v1/users/login", gateway), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  assert.equal(answer.status, 200);
  const token = (await answer.json()).tokens.access_token;
  const { context, page, foreign, problems } = await openDocs();
  const unauthenticated = await execute(page, "UserService_GetMe", "/api/v1/users/me");
  assert.equal(unauthenticated.status(), 401, "without a token the route refuses");
  await page.locator(".auth-wrapper button.authorize").click();
  const dialog = page.locator(".dialog-ux .modal-ux");
  await dialog.locator("input").first().fill(token);
  await dialog.locator(".auth-btn-wrapper button.authorize").click();
  await dialog.locator("button.btn-done").click();
  const [me] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/users/me"),
    page.locator(`[id$="-UserService_GetMe"] button.execute`).click(),
  ]);
  assert.equal(me.status(), 200, await me.text());
  assert.equal((await me.json()).user.username, username);
  assert.deepEqual(foreign, [], "the page requested nothing outside the gateway");
  assert.deepEqual(problems, [], "no CSP violation or script error");
  await context.close();
}

await browser.close();
console.log("docs UI: try-it login, Authorize with a pasted token, authenticated calls: ok");
