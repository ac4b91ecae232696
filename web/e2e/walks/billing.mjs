// The billing walk: a patient whose visit was completed reads their medical record, opens
// the visit's invoice, has a card declined, pays part of it by card, adds an insurance
// policy and claims the rest; the insurer processes the claim (in part) and records the
// payout; the patient sees the claim's status; the admin finds the invoices, records the
// last cash payment, and discounts then writes off a second invoice. Screenshots go to
// target/web-e2e/billing/.
//
//   HMS_WEB_URL=<gateway> HMS_ADMIN_PASSWORD=… node --preserve-symlinks web/e2e/walks/billing.mjs
//
// The booking, confirmation, check-in and completion, and the doctor's notes in the record,
// are set up through the SDK (their screens have walks of their own).
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import { UserService } from "@hms/sdk/hms/user/v1/user_pb";
import { AppointmentService, ScheduleService } from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { BillingService, ItemType } from "@hms/sdk/hms/billing/v1/billing_pb";
import { Criticality, EhrService, EncounterStatus } from "@hms/sdk/hms/ehr/v1/ehr_pb";
import { seed } from "../seed.mjs";
import { base, adminPassword, walk } from "../harness.mjs";
import {
  DECLINED_CARD,
  TEST_CARD,
  newestUnpaid,
  payInvoice,
  submitCard,
} from "../steps/billing.mjs";

const suffix = String(Date.now() % 1_000_000);
const transport = createGrpcWebTransport({ baseUrl: base });
const users = createClient(UserService, transport);
const schedules = createClient(ScheduleService, transport);
const appointments = createClient(AppointmentService, transport);
const billing = createClient(BillingService, transport);
const ehr = createClient(EhrService, transport);
const bearer = (tokens) => ({ headers: { authorization: `Bearer ${tokens.accessToken}` } });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `f` until it returns something truthy (events travel through outboxes). */
async function eventually(what, f, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await f();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} never happened: ${last ?? "no value"}`);
    await sleep(300);
  }
}

/** The clinic's day `days` from today, as google.type.Date. */
function clinicDay(days) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Asia/Ho_Chi_Minh",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(Date.now() + days * 86_400_000));
  const [year, month, day] = parts.split("-").map(Number);
  return { year, month, day };
}

const setup = await seed(base, adminPassword, suffix);
const admin = (await users.login({ username: "admin", password: adminPassword })).tokens;
const insurer = {
  username: `insurer.${suffix}`,
  password: `insurer-password-${suffix}`,
  email: `insurer.${suffix}@baoviet.example`,
};
await users.createUser(
  {
    ...insurer,
    role: Role.INSURANCE_PROVIDER,
    firstName: "Hoa",
    lastName: "Phạm",
    preferredLanguage: "en",
    profile: { kind: { case: "insuranceProvider", value: { companyName: "Bao Viet" } } },
  },
  bearer(admin),
);

const lan = {
  first: "Lan",
  last: "Võ",
  username: `lan.bill.${suffix}`,
  email: `lan.bill.${suffix}@example.com`,
  password: `pw-Lan-${suffix}-long`,
};

/**
 * Lan's visit, through the SDK: booked tomorrow, confirmed, checked in and completed by
 * the doctor, who writes her record (an allergy, a condition), the visit's notes, a
 * diagnosis, a plan and two sets of vital signs. Completion asks billing for the invoice.
 */
async function completedVisit(patient) {
  const doctor = (
    await users.login({ username: setup.doctor.username, password: setup.doctor.password })
  ).tokens;
  const { slots } = await schedules.getDoctorAvailability(
    {
      doctorId: setup.doctor.id,
      serviceId: setup.serviceId,
      startDate: clinicDay(1),
      endDate: clinicDay(7),
    },
    bearer(patient.tokens),
  );
  const { appointment } = await appointments.bookAppointment(
    {
      serviceId: setup.serviceId,
      doctorId: setup.doctor.id,
      startTime: slots[0].startTime,
      reason: "Headaches and high blood pressure",
    },
    bearer(patient.tokens),
  );
  const id = { appointmentId: appointment.id };
  await appointments.confirmAppointment(id, bearer(doctor));
  await appointments.checkInAppointment(id, bearer(doctor));
  await appointments.completeAppointment({ ...id, doctorNotes: "Rest, less salt" }, bearer(doctor));

  const patientId = patient.user.id;
  const encounter = await eventually("the visit's encounter", async () => {
    const { encounters } = await ehr.listEncounters({ patientId }, bearer(doctor));
    return encounters.find(
      (e) => e.appointmentId === appointment.id && e.status === EncounterStatus.IN_PROGRESS,
    );
  });
  const { record } = await ehr.createMedicalRecord({ patientId }, bearer(doctor));
  await ehr.updateMedicalRecord(
    {
      patientId,
      version: record.version,
      fields: {
        bloodType: "O+",
        allergies: [{ substance: "Penicillin", reaction: "Hives", criticality: Criticality.HIGH }],
        chronicConditions: [{ description: "Essential hypertension", icd10Code: "I10" }],
        medicalHistorySummary: "Hypertension since 2021, on amlodipine.",
      },
    },
    bearer(doctor),
  );
  const encounterId = { patientId, encounterId: encounter.encounterId };
  await ehr.updateEncounter(
    {
      ...encounterId,
      version: encounter.version,
      notes: {
        chiefComplaint: "Headaches for a week",
        physicalExaminationFindings: "BP 150/95, otherwise normal",
        clinicalNotes: "Blood pressure above target; adjust treatment.",
      },
    },
    bearer(doctor),
  );
  await ehr.addDiagnosis(
    {
      ...encounterId,
      diagnosis: { icd10Code: "I10", description: "Essential hypertension", isPrimary: true },
    },
    bearer(doctor),
  );
  await ehr.addTreatmentPlan(
    {
      ...encounterId,
      treatmentPlan: {
        description: "Amlodipine 10 mg once a day; less salt.",
        followUpInstructions: "Come back in 4 weeks with a home blood pressure log.",
      },
    },
    bearer(doctor),
  );
  const now = Date.now();
  for (const [minutesAgo, vitals] of [
    [
      20,
      {
        heartRate: 88,
        systolicBp: 152,
        diastolicBp: 96,
        temperatureCelsius: 36.9,
        spo2Percent: 97,
        weightKg: 71.5,
      },
    ],
    [
      5,
      {
        heartRate: 80,
        systolicBp: 144,
        diastolicBp: 90,
        temperatureCelsius: 36.8,
        spo2Percent: 98,
        weightKg: 71.4,
      },
    ],
  ]) {
    await ehr.addVitalSigns(
      {
        ...encounterId,
        vitalSigns: { measureTime: timestampFromMs(now - minutesAgo * 60_000), ...vitals },
      },
      bearer(doctor),
    );
  }
  return { appointmentId: appointment.id, patientId };
}

await walk("billing", async (harness) => {
  const { newPage, shot, register, signIn } = harness;

  // 0. Lan registers in the app; her visit is completed behind the scenes.
  const page = await newPage();
  await register(page, lan);
  await signIn(page, lan.username, lan.password);
  // Before any visit, her record is empty and says so.
  await page.getByRole("link", { name: "My record" }).click();
  await page.getByText("Your record is empty for now.").waitFor();
  await shot(page, "record-empty");
  const login = await users.login({ username: lan.username, password: lan.password });
  const visit = await completedVisit(login);

  // 1. Her record: allergies, conditions, the visit, the vitals' trend.
  await page.goto(`${base}/record`);
  await page.getByRole("heading", { name: "My medical record" }).waitFor();
  await page.getByText("Penicillin").waitFor();
  await page.getByText("Essential hypertension").first().waitFor();
  await page.getByRole("figure").locator(".recharts-surface").waitFor();
  await shot(page, "record");

  // 2. The visit's invoice; a declined card first, then part of it by card.
  const link = await newestUnpaid(page);
  await shot(page, "invoices");
  const number = ((await link.getAttribute("aria-label")) ?? "").replace(/^Pay: /, "");
  await link.click();
  await page.getByRole("heading", { name: `Invoice ${number}` }).waitFor();
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await submitCard(page, DECLINED_CARD, 50000);
  await page.getByText("The card was declined.").waitFor();
  await shot(page, "card-declined");
  // The answer to the next payment is lost on the way back (the charge went through): the
  // app says the outcome is unknown and retries under the same idempotency key, which
  // answers the first payment instead of charging again.
  const sentKeys = [];
  await page.route("**/hms.billing.v1.BillingService/PayInvoice", async (route) => {
    sentKeys.push(route.request().postDataBuffer()?.toString("latin1") ?? "");
    if (sentKeys.length === 1) {
      await route.fetch();
      await route.abort("connectionreset");
    } else {
      await route.continue();
    }
  });
  await submitCard(page, TEST_CARD, 50000);
  await page.getByText("We could not confirm this payment yet.").waitFor();
  await shot(page, "payment-outcome-unknown");
  await page.getByRole("button", { name: /^Try again \(the same payment/ }).click();
  await page
    .getByRole("dialog")
    .getByText(/^Paid .* with the card ending 4242/)
    .waitFor();
  await page.unroute("**/hms.billing.v1.BillingService/PayInvoice");
  const key = (body) =>
    body.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/)?.[0];
  if (sentKeys.length !== 2 || !key(sentKeys[0]) || key(sentKeys[0]) !== key(sentKeys[1])) {
    throw new Error(`the retry did not reuse the idempotency key: ${sentKeys.map(key).join(", ")}`);
  }
  await shot(page, "paid-in-part");
  await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();
  await page.getByText("Partly paid").first().waitFor();
  // One charge of 50,000, not two.
  if ((await page.getByText(/card ending 4242/).count()) !== 1) {
    throw new Error("the retried payment was charged twice");
  }
  await shot(page, "invoice-partly-paid");

  // 3. A policy with Bao Viet, and a claim of the rest of the invoice.
  await page.getByRole("link", { name: "Claim from insurance" }).click();
  await page.getByRole("heading", { name: "Insurance", exact: true }).waitFor();
  await page.getByText("You have no insurance policies on file.").waitFor();
  await page.getByLabel("Insurance company").fill("Bao Viet");
  await page.getByLabel("Policy number").fill(`BV-${suffix}`);
  await page.getByLabel("Member ID (optional)").fill(`M-${suffix}`);
  await page.getByRole("button", { name: "Add a policy" }).click();
  await page.getByText("The policy is added.").waitFor();
  await page.getByRole("button", { name: "Submit the claim" }).waitFor();
  await shot(page, "policy-added");
  await page.getByLabel("Notes for the insurer (optional)").fill("Hypertension check-up");
  await page.getByRole("button", { name: "Submit the claim" }).click();
  const submitted = page.getByText(/^Claim CLM-\S+ for .* is submitted/);
  await submitted.waitFor();
  const claimNumber = ((await submitted.textContent()) ?? "").split(" ")[1];
  await shot(page, "claim-submitted");

  // 4. The insurer processes it: starts, approves 80,000 of 100,000, records the payout.
  const ins = await newPage();
  await signIn(ins, insurer.username, insurer.password);
  await ins.getByRole("heading", { name: "Claims to decide" }).waitFor();
  await shot(ins, "insurer-pending");
  const processClaim = async (move, fill) => {
    await ins.getByRole("button", { name: `Process: ${claimNumber}` }).click();
    const dialog = ins.getByRole("dialog");
    await dialog.getByRole("radio", { name: move }).check();
    if (fill) await fill(dialog);
    await dialog.getByRole("button", { name: "Review" }).click();
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await dialog.getByText(/^Claim .* is now:/).waitFor();
  };
  await processClaim("Start processing");
  await ins.getByRole("dialog").getByRole("button", { name: "Close" }).click();
  await processClaim("Approve in part", async (dialog) => {
    await dialog.getByLabel(/^Approved amount/).fill("80000");
    await dialog.getByLabel(/^Notes/).fill("Co-payment of 20% applies");
  });
  await shot(ins, "insurer-approved-in-part");
  await ins.getByRole("dialog").getByRole("button", { name: "Close" }).click();
  await processClaim("Record the payout");
  await shot(ins, "insurer-paid-out");
  await ins.getByRole("dialog").getByRole("button", { name: "Close" }).click();

  // 5. Lan sees the claim's status (from its notifications) and the invoice's balance.
  await eventually("the payout notification", async () => {
    await page.goto(`${base}/insurance`);
    await page.getByRole("heading", { name: "My claims" }).waitFor();
    return (await page.getByText("Paid by the insurer").count()) > 0;
  });
  await shot(page, "claim-status");

  // 6. The admin finds Lan's invoices, takes the last 20,000 in cash; a second invoice is
  // discounted, then written off.
  await billing.createManualInvoice(
    {
      patientId: visit.patientId,
      items: [
        {
          type: ItemType.OTHER_SERVICE,
          description: "Dressing change",
          quantity: 2n,
          unitPriceMinor: 50000n,
        },
      ],
      idempotencyKey: `walk-manual-${suffix}`,
    },
    bearer(admin),
  );
  const desk = await newPage();
  await signIn(desk, "admin", adminPassword);
  await desk.getByRole("link", { name: "Billing" }).click();
  await desk.getByRole("heading", { name: "Invoices" }).waitFor();
  // The patient is found by username; the table names them.
  await desk.getByLabel(/^Patient/).fill(lan.username);
  await desk.getByRole("button", { name: "Search" }).click();
  await desk.getByRole("link", { name: `Open ${number}` }).waitFor();
  await desk
    .getByRole("cell", { name: /Lan Võ/ })
    .first()
    .waitFor();
  await shot(desk, "desk-search");
  await desk.getByLabel("Status").selectOption("PARTIALLY_PAID");
  await desk.getByRole("button", { name: "Search" }).click();
  await desk.waitForURL(/status=PARTIALLY_PAID/);
  await desk.getByRole("link", { name: `Open ${number}` }).click();
  await desk.getByRole("button", { name: "Record a payment" }).click();
  let dialog = desk.getByRole("dialog");
  await dialog.getByLabel(/^Amount/).fill("20000");
  await dialog.getByRole("button", { name: "Review" }).click();
  await dialog.getByText(/^Record .* by Cash on/).waitFor();
  await shot(desk, "desk-payment-review");
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await dialog.getByText(/^Recorded /).waitFor();
  await dialog.getByRole("button", { name: "Close" }).click();
  await desk.getByText("This invoice is closed").waitFor();
  await shot(desk, "desk-paid");

  // Back to the search, its filters kept.
  await desk.getByRole("link", { name: "All invoices" }).click();
  await desk.waitForURL(/status=PARTIALLY_PAID/);
  await desk.getByLabel("Status").selectOption("");
  await desk.getByLabel("Billed for").selectOption("MANUAL");
  await desk.getByLabel(/^Patient/).fill(lan.email);
  await desk.getByRole("button", { name: "Search" }).click();
  // Lan's email names one patient: the search runs for her id.
  await desk.waitForURL(/source=MANUAL.*patient=/);
  await desk
    .getByRole("link", { name: /^Open INV-/ })
    .first()
    .click();
  await desk.getByRole("button", { name: "Apply a discount" }).click();
  dialog = desk.getByRole("dialog");
  await dialog.getByLabel(/^Whole discount/).fill("20000");
  await dialog.getByRole("button", { name: "Review" }).click();
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await dialog.getByText(/^The discount is .*; the total is now/).waitFor();
  await shot(desk, "desk-discounted");
  await dialog.getByRole("button", { name: "Close" }).click();
  await desk.getByRole("button", { name: "Write off" }).click();
  dialog = desk.getByRole("dialog");
  await dialog.getByRole("button", { name: "Review" }).click();
  await dialog.getByText("Say why; it goes into the invoice and the audit log.").first().waitFor();
  await dialog.getByLabel("Reason").fill("Hardship: the patient cannot pay");
  await dialog.getByRole("button", { name: "Review" }).click();
  await dialog.getByText(/^Write off the open .* The patient will owe nothing more/).waitFor();
  await shot(desk, "desk-write-off-review");
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await dialog.getByText("The invoice is written off.").waitFor();
  await dialog.getByRole("button", { name: "Close" }).click();
  await desk.getByText("Note: Hardship: the patient cannot pay").waitFor();
  await shot(desk, "desk-written-off");

  // An invoice made by mistake is found by its number and cancelled.
  const { invoice: mistake } = await billing.createManualInvoice(
    {
      patientId: visit.patientId,
      items: [
        {
          type: ItemType.OTHER_SERVICE,
          description: "Duplicate entry",
          quantity: 1n,
          unitPriceMinor: 30000n,
        },
      ],
      idempotencyKey: `walk-mistake-${suffix}`,
    },
    bearer(admin),
  );
  await desk.getByRole("link", { name: "All invoices" }).click();
  await desk.getByLabel("Invoice number starts with").fill(mistake.invoiceNumber);
  await desk.getByRole("button", { name: "Search" }).click();
  await desk.getByRole("link", { name: `Open ${mistake.invoiceNumber}` }).click();
  await desk.getByRole("button", { name: "Cancel the invoice" }).click();
  dialog = desk.getByRole("dialog");
  await dialog.getByLabel("Reason").fill("Entered twice");
  await dialog.getByRole("button", { name: "Review" }).click();
  await dialog.getByText(/^Cancel INV-\S+ for .*\? Nothing was paid on it\./).waitFor();
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await dialog.getByText("The invoice is cancelled.").waitFor();
  await dialog.getByRole("button", { name: "Close" }).click();
  await desk.getByText("Cancelled", { exact: true }).first().waitFor();
  await shot(desk, "desk-cancelled");

  // 7. On a phone: Lan's invoices (both settled), her record; a third invoice she pays with
  // the step the main walk uses.
  const phone = await newPage({ width: 390, height: 844 });
  await signIn(phone, lan.username, lan.password);
  await phone.goto(`${base}/invoices`);
  await phone.getByText("Written off").first().waitFor();
  await shot(phone, "phone-invoices");
  await phone.goto(`${base}/record`);
  await phone.getByText("Penicillin").waitFor();
  await shot(phone, "phone-record");
  // In Vietnamese.
  await phone.getByRole("radio", { name: "VI" }).click();
  await phone.getByRole("heading", { name: "Hồ sơ bệnh án của tôi" }).waitFor();
  await shot(phone, "phone-record-vi");
  await phone.getByRole("link", { name: "Bảo hiểm" }).click();
  await phone.getByText("Bảo hiểm đã chi trả").waitFor();
  await shot(phone, "phone-insurance-vi");
  await phone.getByRole("radio", { name: "EN" }).click();
  await billing.createManualInvoice(
    {
      patientId: visit.patientId,
      items: [
        {
          type: ItemType.LAB_TEST,
          description: "Lipid panel",
          quantity: 1n,
          unitPriceMinor: 120000n,
        },
      ],
      idempotencyKey: `walk-manual2-${suffix}`,
    },
    bearer(admin),
  );
  const paid = await payInvoice(phone, harness);
  console.log(`paid ${paid} through the shared step`);
});
