// A walk through the web app in a real browser (playwright-core driving Debian's chromium):
// a patient registers, signs in and books from the calendar, and sees the live notification
// arrive without a reload; a second patient, looking at the same calendar, picks the same
// slot and is offered alternatives; the doctor confirms the request and the first patient
// is told at once. Screenshots of each step go to target/web-e2e/walk/.
//
//   HMS_WEB_URL=http://127.0.0.1:8080 HMS_ADMIN_PASSWORD=… node --preserve-symlinks e2e/walk.mjs
//
// Every browser of the walk comes from one address, and it signs in, reloads and registers
// more often than the gateway's strict per-address limit allows a person (20 a minute):
// start that `hms up` with HMS_GATEWAY__RATE_LIMIT__STRICT_PER_ADDRESS=1000.
//
// With HMS_MAIL_DIR (where `hms up` writes its .eml files, <data>/mail) the walk also resets
// the patient's password through the emailed link.
//
// This is seed 004's walk, through the UI only: the admin sets up the doctors, the nurse and
// the service with the admin screens; the patient registers and books; the doctor confirms;
// the nurse checks in and records vital signs; the doctor records the encounter (an ICD-10
// diagnosis, a treatment plan) and completes it; the patient pays the invoice by card and
// rates the visit; the admin sees it all on the dashboard.
//
// HMS_WEB_URL is where the app is served (the gateway under `hms up`, or the Vite dev
// server proxying to it).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { base, adminPassword, walk } from "./harness.mjs";
import {
  changeSetting,
  createService,
  createStaff,
  dashboardShows,
  setWeeklySchedule,
} from "./steps/admin.mjs";
import { doctorRecordsEncounterAndCompletes, nurseRecordsVitals } from "./steps/clinical.mjs";
import { payInvoice } from "./steps/billing.mjs";

const suffix = String(Date.now() % 1_000_000);
/** Hours of notice a patient gives to move or cancel. */
const NOTICE = "appointment.reschedule_notice_hours";
/** The staff and the service the admin sets up at the start. */
let setup;

/** What the admin does before the clinic opens: two doctors with hours, a nurse, a service. */
async function setUpClinic(admin) {
  const staff = (login, role, first, last, room) => ({
    role,
    first,
    last,
    username: `${login}.${suffix}`,
    email: `${login}.${suffix}@clinic.example`,
    password: `${role.toLowerCase()}-password-${suffix}`,
    ...(room ? { specialty: "General", room } : {}),
  });
  // Sorted by name in the calendar: An's slots come first.
  const doctor = await createStaff(admin, staff("dr.an", "Doctor", "An", "Nguyễn", "P.101"));
  const otherDoctor = await createStaff(admin, staff("dr.binh", "Doctor", "Bình", "Trần", "P.102"));
  const nurse = await createStaff(admin, staff("nurse.binh", "Nurse", "Bình", "Lê"));
  // Every day of the week, 08:00–20:00, so the walk finds free slots whatever day it runs.
  await setWeeklySchedule(admin, doctor.name, { doctorId: doctor.id });
  await setWeeklySchedule(admin, otherDoctor.name, { doctorId: otherDoctor.id });
  const service = await createService(admin, {
    code: `GEN-${suffix}`,
    name: `Khám tổng quát ${suffix}`,
    description: "General check-up with a family doctor.",
    duration: 30,
    price: 150000,
    specialties: ["General"],
  });
  // The walk books the first free slots, which may start within the clinic's notice for
  // changes (2 hours by default) when it runs in the clinic's day; Minh's move must not
  // depend on the hour, so the clinic takes changes up to the start while the walk runs.
  const notice = await changeSetting(admin, NOTICE, 0, `Walk ${suffix}: changes up to the start`);
  return { doctor, otherDoctor, nurse, notice, serviceId: service.id, serviceName: service.name };
}

/** Opens the booking calendar; returns the milliseconds until its first slot could be picked. */
// The week the walk books in: this one, or the next when this one is nearly over.
let week = "";

async function openCalendar(page) {
  const start = Date.now();
  await page.goto(`${base}/book?service=${setup.serviceId}${week ? `&week=${week}` : ""}`);
  await page.locator(".week .slot").first().waitFor();
  return Date.now() - start;
}

/** The token of the newest reset email to `email` in the mail directory, waiting for it. */
async function resetToken(dir, email) {
  for (let i = 0; i < 100; i++) {
    const mails = readdirSync(dir)
      .filter((f) => f.endsWith(".eml"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      // Quoted-printable: soft line breaks and =XX escapes.
      .map((m) =>
        m
          .replace(/=\r?\n/g, "")
          .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))),
      )
      .filter((m) => m.includes(email) && m.includes("reset-password?token="));
    const match = mails.at(-1)?.match(/reset-password\?token=([A-Za-z0-9_\-.~%]+)/);
    if (match) return decodeURIComponent(match[1]);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no reset email to ${email} in ${dir}`);
}

/** Presses Tab until the focused element satisfies `test` (run in the page). */
async function tabTo(page, test) {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(`(${test.toString()})(document.activeElement)`)) return;
  }
  throw new Error("the keyboard never reached the element");
}

const patient = (name) => ({
  first: name,
  last: "Trần",
  username: `${name.toLowerCase()}.${suffix}`,
  email: `${name.toLowerCase()}.${suffix}@example.com`,
  password: `pw-${name}-${suffix}-long`,
});
const lan = patient("Lan");
const minh = patient("Minh");

await walk("walk", async (harness) => {
  const { newPage, shot, register, signIn } = harness;
  // 0. The admin sets up the clinic on the admin screens.
  const admin = await newPage();
  await signIn(admin, "admin", adminPassword);
  setup = await setUpClinic(admin);
  await shot(admin, "admin-set-up");

  // 1. Registration, with a refusal first: a password that is too short.
  const page = await newPage();
  await page.goto(`${base}/register`);
  await page.getByLabel("Username", { exact: true }).fill(lan.username);
  await page.getByLabel("Email").fill(lan.email);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create an account" }).click();
  await page.getByText("must have at least 8 characters").first().waitFor();
  await shot(page, "register-refused");
  await register(page, lan);
  await shot(page, "registered");

  // 2. Sign in, the catalog, the calendar.
  await signIn(page, lan.username, lan.password);
  await page.getByRole("heading", { name: "Choose a service" }).waitFor();
  await shot(page, "catalog");
  await page.getByRole("button", { name: `Choose: ${setup.serviceName}` }).click();
  await page.locator(".week .slot").first().waitFor();
  if ((await page.locator(".week .slot").count()) < 12) {
    await page.getByRole("button", { name: "Next week →" }).click();
    await page.waitForURL(/week=/);
    week = new URL(page.url()).searchParams.get("week") ?? "";
    await page.locator(".week .slot").first().waitFor();
  }
  const weekTab = week ? "Next week" : "This week";
  // The patient may keep to a preferred doctor.
  await page.getByRole("radio", { name: "Bình Trần" }).click();
  await page
    .locator(".week .doctor h4", { hasText: "An Nguyễn" })
    .first()
    .waitFor({ state: "detached" });
  await page.getByRole("radio", { name: "All doctors" }).click();
  await page.locator(".week .doctor h4", { hasText: "An Nguyễn" }).first().waitFor();
  await shot(page, "calendar");

  // The second patient looks at the same calendar before Lan books.
  const other = await newPage();
  await register(other, minh);
  await signIn(other, minh.username, minh.password);
  await openCalendar(other);

  // 3. Lan books the first free slot; the request notification arrives live.
  const first = page.locator(".week .slot").first();
  const firstLabel = (await first.getAttribute("aria-label")) ?? (await first.textContent());
  await first.click();
  await page.getByRole("dialog").getByRole("button", { name: "Book this appointment" }).click();
  await page.getByText(/^Booked:/).waitFor();
  await shot(page, "booked");
  await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();
  await page.locator(".nav .badge").waitFor({ timeout: 15_000 });
  await shot(page, "live-badge");

  // 4. Minh picks the same slot from his (now stale) calendar: refused, with alternatives.
  console.log(`double booking of ${firstLabel}`);
  await other.locator(".week .slot").first().click();
  await other.getByRole("dialog").getByRole("button", { name: "Book this appointment" }).click();
  await other.getByText("This time has just been taken.").waitFor();
  await shot(other, "conflict-alternatives");
  await other.getByRole("dialog").locator(".alternatives .slot").first().click();
  await other.getByRole("dialog").getByRole("button", { name: "Book this appointment" }).click();
  await other.getByText(/^Booked:/).waitFor();
  await shot(other, "alternative-booked");

  // Minh moves his appointment to another day, then cancels it.
  await other.getByRole("dialog").getByRole("button", { name: "Close" }).click();
  await other.goto(`${base}/appointments`);
  await other.getByRole("link", { name: "Move" }).first().click();
  await other.getByRole("heading", { name: "Move this appointment" }).first().waitFor();
  await other.locator(".week .slot").last().click();
  await other.getByRole("dialog").getByRole("button", { name: "Move" }).click();
  await other.getByText(/^The appointment is moved to/).waitFor();
  await shot(other, "rescheduled");
  await other.goto(`${base}/appointments`);
  await other.getByText("Moved 1 times").waitFor();
  await other.getByRole("button", { name: "Cancel" }).first().click();
  await other.getByRole("dialog").getByLabel("Why are you cancelling?").fill("Tôi bận việc.");
  await other.getByRole("dialog").getByRole("button", { name: "Cancel the appointment" }).click();
  await other.getByText("The appointment is cancelled.").waitFor();
  await shot(other, "cancelled");

  // Minh books again with the keyboard alone.
  await openCalendar(other);
  await other.locator("body").focus();
  await tabTo(other, (el) => el.classList.contains("slot"));
  await other.keyboard.press("Enter");
  await other.getByRole("dialog").waitFor();
  await tabTo(other, (el) => el.textContent === "Book this appointment");
  await other.keyboard.press("Enter");
  await other.getByText(/^Booked:/).waitFor();
  await shot(other, "keyboard-booked");

  // 5. The doctor confirms Lan's request; Lan's badge and inbox update without a reload.
  await page.goto(`${base}/notifications`);
  await page.locator(".inbox li").first().waitFor();
  const before = await page.locator(".inbox li").count();
  const doctor = await newPage();
  await signIn(doctor, setup.doctor.username, setup.doctor.password);
  await doctor.getByRole("heading", { name: "Worklist" }).waitFor();
  await doctor.getByRole("tab", { name: weekTab }).click();
  await doctor.getByRole("button", { name: "Confirm" }).first().waitFor();
  await shot(doctor, "doctor-worklist");
  await doctor.getByRole("button", { name: "Confirm" }).first().click();
  await page.waitForFunction((n) => document.querySelectorAll(".inbox li").length > n, before, {
    timeout: 15_000,
  });
  await shot(page, "live-inbox");

  // 6. The nurse checks the patient in and records her vital signs; the doctor records the
  //    encounter and completes the visit; the patient pays the invoice by card and rates
  //    the visit from the feedback page.
  const nurse = await newPage();
  await signIn(nurse, setup.nurse.username, setup.nurse.password);
  await nurse.getByRole("heading", { name: "Check-in" }).waitFor();
  await nurseRecordsVitals(nurse, `${lan.first} ${lan.last}`, { shot });
  await doctorRecordsEncounterAndCompletes(doctor, `${lan.first} ${lan.last}`, { shot });
  await payInvoice(page, harness);
  await page.goto(`${base}/appointments`);
  await page.getByRole("link", { name: "Rate this visit" }).first().click();
  await page.waitForURL(/\/feedback\?appointment_id=/);
  await page.getByText("5 ★").click();
  await page.getByRole("radio", { name: "5 of 5" }).isChecked();
  await page.getByLabel("Comment (optional)").fill("Bác sĩ rất tận tình.");
  await page.getByRole("button", { name: "Send feedback" }).click();
  await page.getByText("Thank you for your feedback.").waitFor();
  await shot(page, "feedback");

  // The admin sees the day on the dashboard.
  await dashboardShows(admin);
  await shot(admin, "dashboard");

  // 7. My appointments; a reload keeps the session (from the refresh cookie); Vietnamese.
  await page.goto(`${base}/appointments`);
  await page.locator(".appts li").first().waitFor();
  await shot(page, "my-appointments");
  await page.reload();
  await page.locator(".appts li").first().waitFor();
  await page.getByRole("radio", { name: "VI" }).click();
  await page.getByRole("heading", { name: "Lịch hẹn của tôi" }).waitFor();
  await shot(page, "my-appointments-vi");
  await page.getByRole("radio", { name: "EN" }).click();

  // 8. The calendar on a phone-sized screen.
  const phone = await newPage({ width: 390, height: 844 });
  await signIn(phone, lan.username, lan.password);
  const ms = await openCalendar(phone);
  // A figure for docs/benchmarks.md, not an assertion: full page load, session restore and
  // the week's calendar.
  console.log(`booking calendar usable ${String(ms)} ms after navigation (phone-sized)`);
  await shot(phone, "phone-calendar");

  // 9. Sign out, then (when the mail is at hand) reset the password through the emailed link.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByText("You are signed out.").waitFor();
  const mailDir = process.env.HMS_MAIL_DIR;
  if (mailDir) {
    await page.goto(`${base}/forgot-password`);
    await page.getByLabel("Email").fill(lan.email);
    await page.getByRole("button", { name: "Send the link" }).click();
    await page.getByText(/a link is on its way/).waitFor();
    const token = await resetToken(mailDir, lan.email);
    await page.goto(`${base}/reset-password?token=${encodeURIComponent(token)}`);
    const fresh = `${lan.password}-new`;
    await page.getByLabel("New password").fill(fresh);
    await page.getByRole("button", { name: "Set the password" }).click();
    await page.getByText("Your password is changed.").waitFor();
    await shot(page, "password-reset");
    await signIn(page, lan.username, fresh);
  } else {
    await signIn(page, lan.username, lan.password);
  }

  // 10. Profile and notification preferences: messages in Vietnamese, and so the page.
  await page.goto(`${base}/profile`);
  await page.getByLabel("Address").fill("12 Lê Lợi, Quận 1, TP.HCM");
  await page.getByRole("button", { name: "Save" }).first().click();
  await page.getByText("Saved.").first().waitFor();
  await page.getByText("Tiếng Việt").click();
  await page.getByRole("button", { name: "Save" }).nth(1).click();
  await page.getByRole("heading", { name: "Hồ sơ" }).waitFor();
  await shot(page, "profile-vi");

  await changeSetting(admin, NOTICE, setup.notice, `Walk ${suffix}: notice back`);
});
