// The push walk: a patient turns on notifications on this device from the profile (the
// browser's prompt allowed), books, and closes the tab; the appointment's reminder falls due
// (the admin sets the reminder offset so that it does, seconds after the booking); the
// notification service pushes it, encrypted (RFC 8291) and signed (VAPID, RFC 8292), to the
// browser's push service, and the service worker shows it with no tab open. Screenshots go
// to target/web-e2e/push/. Signing out ends the subscription.
//
//   HMS_WEB_URL=<gateway> HMS_ADMIN_PASSWORD=… node --preserve-symlinks web/e2e/walks/push.mjs
//
// Chromium's own push service (Google's) is out of reach here: the walk plays it. The page's
// PushManager hands out a subscription whose endpoint is this walk's local push service,
// with keys the walk holds, so it can decrypt what HMS sends exactly as a browser would; the
// decrypted message then goes into the service worker through DevTools'
// ServiceWorker.deliverPushMessage, as the browser's push service would deliver it.
import {
  createDecipheriv,
  createECDH,
  createHmac,
  createPublicKey,
  randomBytes,
} from "node:crypto";
import { createVerify } from "node:crypto";
import { createServer } from "node:http";
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { UserService } from "@hms/sdk/hms/user/v1/user_pb";
import { AppointmentService, ScheduleService } from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { NotificationService } from "@hms/sdk/hms/notification/v1/notification_pb";
import { AdminService } from "@hms/sdk/hms/admin/v1/admin_pb";
import { seed } from "../seed.mjs";
import { base, adminPassword, walk } from "../harness.mjs";

const suffix = String(Date.now() % 1_000_000);
const transport = createGrpcWebTransport({ baseUrl: base });
const users = createClient(UserService, transport);
const schedules = createClient(ScheduleService, transport);
const appointments = createClient(AppointmentService, transport);
const notifications = createClient(NotificationService, transport);
const adminApi = createClient(AdminService, transport);
const OFFSETS = "appointment.reminder_offsets";
const bearer = (tokens) => ({ headers: { authorization: `Bearer ${tokens.accessToken}` } });
const b64url = (bytes) => Buffer.from(bytes).toString("base64url");

// ---- the browser's push service, and the browser's half of the subscription ----

const browserKey = createECDH("prime256v1");
browserKey.generateKeys();
const authSecret = randomBytes(16);
const received = [];
const pushService = createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  received.push({ headers: req.headers, body: Buffer.concat(chunks) });
  res.writeHead(201).end();
});
await new Promise((resolve) => pushService.listen(0, "127.0.0.1", resolve));
const endpoint = `http://127.0.0.1:${pushService.address().port}/push/${suffix}`;

const hmac = (key, data) => createHmac("sha256", key).update(data).digest();

/** RFC 8291 (aes128gcm, RFC 8188): what the browser does with a pushed body. */
function decrypt(body) {
  const salt = body.subarray(0, 16);
  const idLength = body[20];
  const serverKey = body.subarray(21, 21 + idLength);
  const cipherText = body.subarray(21 + idLength);
  const shared = browserKey.computeSecret(serverKey);
  const keyInfo = Buffer.concat([
    Buffer.from("WebPush: info\0"),
    browserKey.getPublicKey(),
    serverKey,
    Buffer.from([1]),
  ]);
  const ikm = hmac(hmac(authSecret, shared), keyInfo);
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from("Content-Encoding: aes128gcm\0\x01", "latin1")).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from("Content-Encoding: nonce\0\x01", "latin1")).subarray(0, 12);
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(cipherText.subarray(cipherText.length - 16));
  const padded = Buffer.concat([
    decipher.update(cipherText.subarray(0, cipherText.length - 16)),
    decipher.final(),
  ]);
  // The last record ends with the delimiter 0x02, then any zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (padded[end] !== 2) throw new Error("the pushed record has no final delimiter");
  return JSON.parse(padded.subarray(0, end).toString("utf8"));
}

/** RFC 8292: the Authorization header is a JWT signed with the key GetPushSettings gives. */
function checkVapid(header, vapidPublicKey) {
  const m = /^vapid t=([^,]+),\s*k=(.+)$/.exec(header ?? "");
  if (!m) throw new Error(`no VAPID authorization: ${header}`);
  const [token, key] = [m[1], m[2]];
  if (key !== vapidPublicKey) throw new Error("the push is signed with another key");
  const [head, claims, signature] = token.split(".");
  const raw = Buffer.from(vapidPublicKey, "base64url");
  const publicKey = createPublicKey({
    key: { kty: "EC", crv: "P-256", x: b64url(raw.subarray(1, 33)), y: b64url(raw.subarray(33)) },
    format: "jwk",
  });
  const verify = createVerify("SHA256").update(`${head}.${claims}`);
  if (
    !verify.verify(
      { key: publicKey, dsaEncoding: "ieee-p1363" },
      Buffer.from(signature, "base64url"),
    )
  ) {
    throw new Error("the VAPID signature does not verify");
  }
  const { aud, exp } = JSON.parse(Buffer.from(claims, "base64url").toString());
  if (aud !== new URL(endpoint).origin) throw new Error(`VAPID aud ${aud} is not the push service`);
  if (exp * 1000 < Date.now() || exp * 1000 > Date.now() + 24 * 3600_000) {
    throw new Error(`VAPID exp ${exp} is not within a day`);
  }
}

/** The page's PushManager, subscribing with the walk's endpoint and keys (see the top). */
const pushManagerStandIn = `(() => {
  const subscription = {
    endpoint: ${JSON.stringify(endpoint)},
    options: { userVisibleOnly: true },
    toJSON() {
      return { endpoint: this.endpoint, keys: ${JSON.stringify({
        p256dh: b64url(browserKey.getPublicKey()),
        auth: b64url(authSecret),
      })} };
    },
    async unsubscribe() {
      localStorage.removeItem("walk.push.subscribed");
      return true;
    },
  };
  PushManager.prototype.subscribe = async function (options) {
    if (!options || !options.applicationServerKey) throw new Error("no applicationServerKey");
    localStorage.setItem("walk.push.subscribed", "1");
    return subscription;
  };
  PushManager.prototype.getSubscription = async function () {
    return localStorage.getItem("walk.push.subscribed") ? subscription : null;
  };
})();`;

async function eventually(what, f, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await f();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// ---- the walk ----

const setup = await seed(base, adminPassword, suffix);
const hoa = {
  username: `hoa.push.${suffix}`,
  password: `pw-Hoa-${suffix}-long`,
  email: `hoa.push.${suffix}@example.com`,
};
await users.register({ ...hoa, firstName: "Hoa", lastName: "Bùi", preferredLanguage: "en" });
const tokens = (await users.login({ username: hoa.username, password: hoa.password })).tokens;
const { vapidPublicKey, enabled } = await notifications.getPushSettings({}, bearer(tokens));
if (!enabled) throw new Error("push is off on this hms up: its VAPID key was not generated");

let restoreOffsets = async () => {};
try {
  await walk("push", async (h) => {
    const page = await h.newPage();
    await page.context().grantPermissions(["notifications"], { origin: base });
    await page.context().addInitScript({ content: pushManagerStandIn });
    await h.signIn(page, hoa.username, hoa.password);
    await page.goto(`${base}/profile`);
    await page.getByRole("button", { name: "Turn on notifications on this device" }).click();
    await page.getByText("This device gets your notifications.").waitFor();
    await page.getByRole("button", { name: /^Remove Chrome on Linux/ }).waitFor();
    await h.shot(page, "push-on");

    // The service worker's registration, for delivering into it once the tab is gone.
    const devtools = await page.context().newCDPSession(page);
    const registrations = new Map();
    devtools.on("ServiceWorker.workerRegistrationUpdated", ({ registrations: updated }) => {
      for (const r of updated) registrations.set(r.scopeURL, r.registrationId);
    });
    await devtools.send("ServiceWorker.enable");
    const registrationId = await eventually("the service worker's registration", () =>
      registrations.get(`${base}/`),
    );

    // Hoa books, then closes the tab.
    const blank = await page.context().newPage();
    await page.close();
    const day = (days) => {
      const d = new Date(Date.now() + days * 86_400_000);
      return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
    };
    const { slots } = await schedules.getDoctorAvailability(
      {
        doctorId: setup.doctor.id,
        serviceId: setup.serviceId,
        startDate: day(1),
        endDate: day(7),
      },
      bearer(tokens),
    );
    const { appointment } = await appointments.bookAppointment(
      {
        serviceId: setup.serviceId,
        doctorId: setup.doctor.id,
        startTime: slots[0].startTime,
        reason: "Persistent cough at night",
      },
      bearer(tokens),
    );
    // The reminder is due a few seconds from now: its offset is the time to the start, less.
    const admin = (await users.login({ username: "admin", password: adminPassword })).tokens;
    const { configuration } = await adminApi.getSystemConfiguration(
      { key: OFFSETS },
      bearer(admin),
    );
    const toStart = Math.floor(Number(appointment.startTime.seconds) - Date.now() / 1000);
    const changed = await adminApi.updateSystemConfiguration(
      {
        key: OFFSETS,
        value: { kind: { case: "durations", value: { values: [`${toStart - 8}s`] } } },
        expectedVersion: configuration.version,
        reason: `Push walk ${suffix}: a reminder due now`,
      },
      bearer(admin),
    );
    restoreOffsets = () =>
      adminApi.updateSystemConfiguration(
        {
          key: OFFSETS,
          value: configuration.value,
          expectedVersion: changed.configuration.version,
          reason: `Push walk ${suffix}: reminders as before`,
        },
        bearer(admin),
      );

    // "Request received" comes first, then the reminder.
    const push = await eventually(
      "the reminder's push",
      () => received.find((p) => decrypt(p.body).title === "Upcoming appointment"),
      60_000,
    );
    checkVapid(push.headers.authorization, vapidPublicKey);
    if (push.headers["content-encoding"] !== "aes128gcm") throw new Error("not aes128gcm");
    if (!Number(push.headers.ttl)) throw new Error("no TTL");
    const message = decrypt(push.body);
    if (!message.title || !message.url?.startsWith("/")) {
      throw new Error(`a push is a title and a link into the app: ${JSON.stringify(message)}`);
    }
    if (JSON.stringify(message).includes("cough")) {
      throw new Error(`a push carries no clinical detail: ${JSON.stringify(message)}`);
    }

    // The browser's push service delivers it; the service worker shows it, no tab open.
    const worker = await blank.context().newCDPSession(blank);
    await worker.send("ServiceWorker.enable");
    await worker.send("ServiceWorker.deliverPushMessage", {
      origin: base,
      registrationId,
      data: JSON.stringify(message),
    });
    // One page load: a second load straight after would cut off the first one's session
    // restore mid-refresh (see docs/design.md, "a refresh answer lost on the way").
    await blank.goto(`${base}/profile`);
    const shown = await eventually("the notification", () =>
      blank.evaluate(async () => {
        const registration = await navigator.serviceWorker.getRegistration("/");
        const list = (await registration?.getNotifications()) ?? [];
        return list.map((n) => ({ title: n.title, body: n.body, url: n.data?.url }))[0];
      }),
    );
    if (shown.title !== message.title || !shown.url.endsWith(message.url)) {
      throw new Error(`shown ${JSON.stringify(shown)}, pushed ${JSON.stringify(message)}`);
    }
    console.log(`reminder shown with the tab closed: ${shown.title}`);

    // Signing out stops this person's notifications on this browser (it may be shared).
    await blank.getByText("This device gets your notifications.").waitFor();
    await blank.getByRole("button", { name: "Sign out" }).click();
    await blank.waitForURL(/\/sign-in/);
    const { subscriptions } = await notifications.listPushSubscriptions({}, bearer(tokens));
    if (subscriptions.length !== 0) {
      throw new Error(`signed out, yet still subscribed: ${JSON.stringify(subscriptions)}`);
    }
  });
} finally {
  await restoreOffsets();
  pushService.close();
}
