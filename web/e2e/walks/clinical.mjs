// The clinical walk: a patient books (through the SDK), the doctor confirms from the
// worklist, the nurse checks the patient in and records vital signs (a temperature of
// 370 °C refused first), the doctor opens the appointment's encounter from the worklist,
// writes it (notes, a diagnosis found by the ICD-10 lookup, a treatment plan) and completes
// it, and looks at the chart; a second doctor, with no care relationship, is refused the
// chart and uses break-glass (a too short reason refused first), under the red banner.
// Screenshots go to target/web-e2e/clinical/.
//
//   HMS_WEB_URL=<gateway> HMS_ADMIN_PASSWORD=… node --preserve-symlinks e2e/walks/clinical.mjs
//
// A nurse records vital signs for a visit of today only (in the clinic's zone): the walk
// books today's first free slot, or, late in the clinic's evening, a later one, and then
// checks the nurse's refusal instead.
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { UserService } from "@hms/sdk/hms/user/v1/user_pb";
import {
  AppointmentService,
  CalendarView,
  ScheduleService,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { seed } from "../seed.mjs";
import { base, adminPassword, walk } from "../harness.mjs";
import { doctorRecordsEncounterAndCompletes, nurseRecordsVitals } from "../steps/clinical.mjs";

const suffix = String(Date.now() % 1_000_000);
const setup = await seed(base, adminPassword, suffix);
const zone = "Asia/Ho_Chi_Minh";

const mai = {
  first: "Mai",
  last: "Phạm",
  username: `mai.${suffix}`,
  email: `mai.${suffix}@example.com`,
  password: `pw-Mai-${suffix}-long`,
};
const patientName = `${mai.first} ${mai.last}`;

/** A calendar day in the clinic's zone, as google.type.Date. */
function day(offset) {
  const d = new Date(Date.now() + offset * 86_400_000);
  const [year, month, dayOfMonth] = new Intl.DateTimeFormat("en-CA", { timeZone: zone })
    .format(d)
    .split("-")
    .map(Number);
  return { year, month, day: dayOfMonth };
}

/** Books the first free slot of the seeded doctor as the patient; returns the appointment. */
async function book() {
  const transport = createGrpcWebTransport({ baseUrl: base });
  const users = createClient(UserService, transport);
  const schedules = createClient(ScheduleService, transport);
  const appointments = createClient(AppointmentService, transport);
  const { tokens } = await users.login({ username: mai.username, password: mai.password });
  const headers = { authorization: `Bearer ${tokens.accessToken}` };
  const calendar = await schedules.getServiceCalendar(
    {
      serviceId: setup.serviceId,
      startDate: day(0),
      endDate: day(13),
      view: CalendarView.SLOTS,
    },
    { headers },
  );
  const slots = calendar.days
    .flatMap((d) => d.doctors)
    .filter((d) => d.doctorId === setup.doctor.id)
    .flatMap((d) => d.slots)
    .filter((s) => s.startTime && timestampDate(s.startTime).getTime() > Date.now() + 60_000);
  const slot = slots[0];
  if (!slot) throw new Error("the doctor has no free slot in two weeks");
  const { appointment } = await appointments.bookAppointment(
    {
      serviceId: setup.serviceId,
      doctorId: setup.doctor.id,
      startTime: slot.startTime,
      reason: "Sore throat and fever",
    },
    { headers },
  );
  const today = JSON.stringify(day(0));
  const startDay = new Intl.DateTimeFormat("en-CA", { timeZone: zone })
    .format(timestampDate(slot.startTime))
    .split("-")
    .map(Number);
  const isToday =
    JSON.stringify({ year: startDay[0], month: startDay[1], day: startDay[2] }) === today;
  return { appointment, isToday };
}

await walk("clinical", async ({ newPage, shot, register, signIn }) => {
  // 1. The patient registers and books (the booking screens have their own walk).
  const patient = await newPage();
  await register(patient, mai);
  const { appointment, isToday } = await book();
  console.log(`booked ${appointment.id}${isToday ? " today" : " on a later day"}`);

  // 2. The doctor confirms from the worklist.
  const doctor = await newPage();
  await signIn(doctor, setup.doctor.username, setup.doctor.password);
  await doctor.getByRole("heading", { name: "Worklist" }).waitFor();
  const tab = isToday ? "Today" : "This week";
  await doctor.getByRole("tab", { name: tab, exact: true }).click();
  const row = doctor.locator(`tr[data-appointment="${appointment.id}"]`);
  let onThisWeek = true;
  try {
    await row.waitFor({ timeout: 10_000 });
  } catch {
    onThisWeek = false;
    await doctor.getByRole("tab", { name: "Next week", exact: true }).click();
    await row.waitFor();
  }
  console.log(`the appointment is on ${onThisWeek ? tab : "Next week"}'s tab`);
  await shot(doctor, "doctor-worklist");
  await row.getByRole("button", { name: "Confirm" }).click();
  await row.getByRole("link", { name: "Encounter", exact: true }).waitFor();
  await shot(doctor, "doctor-confirmed");

  // 3. The nurse checks the patient in and records vital signs.
  const nurse = await newPage();
  await signIn(nurse, setup.nurse.username, setup.nurse.password);
  const vitals = await nurseRecordsVitals(nurse, patientName, { shot });
  if (isToday && !vitals.recorded) throw new Error("the nurse could not record today's vitals");
  if (!isToday && vitals.recorded) throw new Error("vitals were recorded on another day's visit");

  // 4. The doctor writes the encounter and completes the visit, then reads the chart.
  await doctorRecordsEncounterAndCompletes(doctor, patientName, { shot });
  await doctor.getByRole("link", { name: "Patient chart" }).click();
  await doctor.getByRole("heading", { name: "Patient chart" }).waitFor();
  await doctor.getByRole("heading", { name: "Encounters" }).waitFor();
  await doctor.getByRole("cell", { name: "J02.9" }).waitFor();
  if (isToday) await doctor.getByRole("cell", { name: "128/82" }).first().waitFor();
  // Two readings make a trend (the nurse's of today and the doctor's): the chart's lines
  // load (recharts, lazily). A visit on a later day has the doctor's reading alone: no
  // trend (late in the clinic's day the walk books tomorrow).
  if (isToday) await doctor.locator(".trends .recharts-surface").first().waitFor();
  // The record: a penicillin allergy of high risk.
  await doctor.getByRole("button", { name: "Edit the record" }).click();
  await doctor.getByRole("button", { name: "Add an allergy" }).click();
  await doctor.getByLabel("Allergy 1: substance").fill("Penicillin");
  await doctor.getByLabel("Allergy 1: reaction").fill("Hives");
  await doctor.getByLabel("Allergy 1: risk").selectOption({ label: "High risk" });
  await doctor.getByRole("button", { name: "Save" }).click();
  await doctor.getByText("High risk").waitFor();
  await shot(doctor, "doctor-chart");

  // 5. Another doctor has no care relationship: refused, then break-glass.
  const other = await newPage();
  await signIn(other, setup.otherDoctor.username, setup.otherDoctor.password);
  await other.goto(`${base}/patients/${appointment.patientId}`);
  await other.getByRole("heading", { name: "No care relationship" }).waitFor();
  await other.getByText("You have no care relationship with this patient").waitFor();
  await shot(other, "other-doctor-refused");
  await other.getByLabel("Reason for emergency access").fill("urgent");
  await other.getByRole("button", { name: "Break the glass" }).click();
  await other.getByText("Give a reason of at least 10 characters.").waitFor();
  await other
    .getByLabel("Reason for emergency access")
    .fill("Patient collapsed in the waiting room; need allergies before giving drugs.");
  await other.getByRole("button", { name: "Break the glass" }).click();
  await other.getByRole("region", { name: "EMERGENCY ACCESS" }).waitFor();
  await other.getByText("emergency access, audited").waitFor();
  await other.getByText("Penicillin").waitFor();
  await shot(other, "other-doctor-break-glass");
  // The banner stays on the patient's pages while the grant lasts.
  await other.getByRole("link", { name: "Open" }).first().click();
  await other.getByRole("region", { name: "EMERGENCY ACCESS" }).waitFor();
  await other.getByRole("heading", { name: "Encounter", exact: true }).waitFor();
  await shot(other, "other-doctor-encounter-under-break-glass");

  // 6. Vietnamese: the emergency banner and the encounter in the other language.
  await other.getByRole("radio", { name: "VI" }).click();
  await other.getByRole("region", { name: "TRUY CẬP KHẨN CẤP" }).waitFor();
  await other.getByRole("heading", { name: "Lượt khám", exact: true }).waitFor();
  await shot(other, "other-doctor-encounter-vi");
});
