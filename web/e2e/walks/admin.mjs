// The admin's screens in a real browser: signed in as `admin`, the admin creates a doctor
// (with a refusal first) and a nurse, a medical service, the doctor's weekly hours and one
// exception; looks at the dashboard and a schedule report; changes a setting and finds the
// change in its history; verifies the audit log's chain; edits a notification template,
// previews and resets it; and reads the delivery log. Screenshots go to
// target/web-e2e/admin/.
//
//   HMS_WEB_URL=http://127.0.0.1:8080 HMS_ADMIN_PASSWORD=… node --preserve-symlinks e2e/walks/admin.mjs
import { adminPassword, base, walk } from "../harness.mjs";
import {
  changeSetting,
  createService,
  createStaff,
  dashboardShows,
  setWeeklySchedule,
} from "../steps/admin.mjs";

const suffix = String(Date.now() % 1_000_000);

await walk("admin", async ({ newPage, shot, signIn, register }) => {
  // A patient registers, so the delivery log has their welcome messages.
  const patient = await newPage();
  await register(patient, {
    first: "Lan",
    last: "Vũ",
    username: `lan.vu.${suffix}`,
    email: `lan.vu.${suffix}@example.com`,
    password: `pw-lan-${suffix}-long`,
  });
  await patient.close();

  const page = await newPage();
  await signIn(page, "admin", adminPassword);
  await page.getByRole("heading", { name: "Dashboard", level: 1 }).waitFor();

  // 1. Users: a refused account first (password too short), its violation by its field.
  await page.goto(`${base}/admin/users`);
  await page.getByRole("button", { name: "New staff account" }).click();
  const form = page.getByRole("form", { name: "New staff account" });
  await form.getByLabel("Username", { exact: true }).fill(`dr.short.${suffix}`);
  await form.getByLabel("Email").fill(`dr.short.${suffix}@clinic.example`);
  await form.getByLabel("Initial password").fill("short");
  await form.getByRole("button", { name: "Create the account" }).click();
  await form.getByText("must have at least 8 characters").first().waitFor();
  await shot(page, "user-refused");

  const doctor = await createStaff(page, {
    role: "Doctor",
    first: "Hoa",
    last: `Phạm ${suffix}`,
    username: `dr.hoa.${suffix}`,
    email: `dr.hoa.${suffix}@clinic.example`,
    password: `doctor-password-${suffix}`,
    specialty: "Cardiology",
    room: "P.201",
  });
  if (!doctor.id) throw new Error("the new doctor's id is not in the list");
  await shot(page, "doctor-created");
  await createStaff(page, {
    role: "Nurse",
    first: "Mai",
    last: `Đỗ ${suffix}`,
    username: `nurse.mai.${suffix}`,
    email: `nurse.mai.${suffix}@clinic.example`,
    password: `nurse-password-${suffix}`,
  });
  await page.getByLabel("Search by name, username or email").fill(suffix);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.getByRole("rowheader", { name: doctor.name }).waitFor();
  await page.getByRole("rowheader", { name: `Mai Đỗ ${suffix}` }).waitFor();
  await shot(page, "users-found");
  // The nurse becomes a pharmacist, is deactivated and reactivated.
  const nurseName = `Mai Đỗ ${suffix}`;
  await page.getByRole("button", { name: `Change the role of ${nurseName}` }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("New role").selectOption({ label: "Pharmacist" });
  await dialog.getByRole("button", { name: "Change role" }).click();
  await dialog.getByText("The role is changed.").waitFor();
  await shot(page, "role-changed");
  await dialog.getByRole("button", { name: "Close" }).click();
  const nurseRow = page
    .getByRole("row")
    .filter({ has: page.getByRole("rowheader", { name: nurseName }) });
  await nurseRow.getByText("Pharmacist").waitFor();
  await page.getByRole("button", { name: `Deactivate ${nurseName}` }).click();
  await nurseRow.getByText("Deactivated").waitFor();
  await page.getByRole("button", { name: `Reactivate ${nurseName}` }).click();
  await nurseRow.getByText("Active", { exact: true }).waitFor();

  // 2. A medical service with its price in VND.
  const service = await createService(page, {
    code: `CARD-${suffix}`,
    name: `Khám tim mạch ${suffix}`,
    description: "Cardiology consultation.",
    kind: "Specialist consultation",
    duration: 45,
    price: "350000",
    specialties: ["Cardiology"],
  });
  if (!service.id) throw new Error("the new service's id is not in the list");
  const row = page.locator(`tr[data-id="${service.id}"]`);
  await row.getByText("350.000").or(row.getByText("350,000")).first().waitFor();
  await shot(page, "service-created");
  // Stopped and offered again; a service never booked can be deleted, once confirmed.
  await page.getByRole("button", { name: `Stop offering ${service.name}` }).click();
  await row.getByText("Not offered").waitFor();
  await page.getByRole("button", { name: `Offer ${service.name} again` }).click();
  await row.getByText("Offered", { exact: true }).waitFor();
  const spare = await createService(page, {
    code: `TMP-${suffix}`,
    name: `Dịch vụ thử ${suffix}`,
    price: "1000",
  });
  await page.getByRole("button", { name: `Delete ${spare.name}` }).click();
  await page.getByRole("alertdialog").waitFor();
  await shot(page, "service-delete-confirm");
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
  await page.locator(`tr[data-id="${spare.id}"]`).waitFor({ state: "detached" });

  // 3. The doctor's weekly hours, then a block that overlaps, refused before it is sent.
  const scheduled = await setWeeklySchedule(page, doctor.name, {
    start: "08:00",
    end: "17:00",
    weekdaysOnly: true,
  });
  if (scheduled !== doctor.id) throw new Error("the schedule is not the new doctor's");
  await shot(page, "schedule-saved");
  await page.getByRole("button", { name: "Add a block" }).click();
  await page.getByText("It overlaps block 1 on the same day.").waitFor();
  await shot(page, "schedule-overlap");
  await page
    .getByRole("button", { name: /^Remove block/ })
    .last()
    .click();
  await page.getByText("It overlaps block 1 on the same day.").waitFor({ state: "detached" });

  // One exception: a day of leave, a week from now.
  // The Wednesday of the week after next, a working day of the doctor.
  const day = new Date();
  day.setUTCDate(day.getUTCDate() + 14 - ((day.getUTCDay() + 4) % 7));
  const leave = day.toISOString().slice(0, 10);
  await page.getByLabel("First day", { exact: true }).fill(leave);
  await page.getByLabel("Note").fill("Hội nghị tim mạch");
  await page.getByRole("button", { name: "Add an exception" }).click();
  await page.getByText("The exception is added.").waitFor();
  await page.getByRole("cell", { name: "Hội nghị tim mạch" }).waitFor();
  await shot(page, "schedule-exception");

  // 4. The dashboard and a schedule report for the doctor.
  await dashboardShows(page);
  await shot(page, "dashboard");
  await page.goto(`${base}/admin/reports`);
  await page.getByLabel("Period", { exact: true }).selectOption({ label: "Month" });
  await page.getByLabel("For", { exact: true }).selectOption({ label: "One doctor" });
  await page.getByLabel("Doctor", { exact: true }).selectOption({ label: doctor.name });
  await page.getByText("Consulting hours").waitFor();
  await page.locator("figure.chart svg").first().waitFor();
  await shot(page, "report");

  // 5. A setting changed, and the change in its history (put back afterwards: other walks
  //    may count on the default).
  const was = await changeSetting(
    page,
    "billing.invoice_due_days",
    (before) => (before === "21" ? "22" : "21"),
    `Walk ${suffix}`,
  );
  const value = page.getByLabel("New value");
  await shot(page, "config-history");
  // A value out of bounds is refused next to its field, before it is sent.
  await value.fill("1000");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("The value must be at most 365.").waitFor();
  await shot(page, "config-refused");
  await value.fill(was);
  await page.getByLabel("Reason").fill(`Walk ${suffix}: back`);
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("cell", { name: `Walk ${suffix}: back` }).waitFor();

  // 6. The audit log: the actions above are in it, and the chain is intact.
  await page.goto(`${base}/admin/audit`);
  await page.getByRole("button", { name: "Verify the chain" }).click();
  await page.getByText(/The chain is intact/).waitFor();
  await page.locator("table.audit tbody tr").first().waitFor();
  await shot(page, "audit-verified");
  await page.getByRole("tab", { name: "Break-glass access" }).click();
  await page
    .getByText(/No break-glass access|Granted/)
    .first()
    .waitFor();
  await page.getByRole("tab", { name: "Medical record access" }).click();
  await page.getByRole("button", { name: "Verify the record chain" }).click();
  await page.getByText(/The chain is intact/).waitFor();
  await shot(page, "record-audit");

  // 7. A template edited (the preview follows), then reset to the shipped text.
  await page.goto(`${base}/admin/templates`);
  const filters = page.getByRole("search", { name: "Filter the templates" });
  await filters.getByLabel("Type").selectOption({ label: "Welcome" });
  await filters.getByLabel("Language").selectOption("en");
  await page.getByRole("button", { name: "Edit USER_REGISTERED.IN_APP.en" }).click();
  const body = page.getByLabel("Text", { exact: true });
  await body.waitFor();
  const original = await body.inputValue();
  await body.fill(`${original}\nSee you soon, {{ user_name }}! (${suffix})`);
  await page.getByText(`See you soon, Nguyễn Văn An! (${suffix})`).waitFor();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("The template is saved.").waitFor();
  await shot(page, "template-edited");
  await page.getByRole("button", { name: "Reset to default" }).click();
  await page.getByText("The template is back to the text HMS ships.").waitFor();
  if ((await body.inputValue()).includes(suffix)) throw new Error("the template was not reset");
  await shot(page, "template-reset");

  // 8. The delivery log, filtered to welcome messages in the app: the patient's is there.
  await page.goto(`${base}/admin/deliveries`);
  const deliveries = page.getByRole("search", { name: "Filter the deliveries" });
  await deliveries.getByLabel("Type").selectOption({ label: "Welcome" });
  await deliveries.getByLabel("Channel").selectOption({ label: "In the app" });
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.locator("table.deliveries tbody tr").first().waitFor();
  await shot(page, "deliveries");

  // 9. Vietnamese: every admin screen has its texts.
  await page.getByRole("radio", { name: "VI" }).click();
  await page.getByRole("link", { name: "Người dùng" }).click();
  await page.getByRole("heading", { name: "Người dùng và vai trò" }).waitFor();
  await shot(page, "users-vi");
  await page.getByRole("link", { name: "Tổng quan" }).click();
  await page.getByRole("region", { name: "Lịch hẹn" }).waitFor();
  await page
    .locator("figure", { hasText: "Lịch hẹn theo trạng thái" })
    .locator("svg")
    .first()
    .waitFor();
  await shot(page, "dashboard-vi");
  await page.getByRole("link", { name: "Lịch làm việc" }).click();
  await page.getByLabel("Bác sĩ", { exact: true }).selectOption({ label: doctor.name });
  await page.getByRole("heading", { name: "Giờ khám hằng tuần" }).waitFor();
  await shot(page, "schedule-vi");
});
