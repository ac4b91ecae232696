// The laboratory walk: a patient's visit is booked, confirmed and checked in (through the
// SDK); the admin creates a lab technician on the Users screen and looks at the lab test
// catalog; the doctor orders fasting glucose (14771-0) and TSH (3016-3), urgent, from the
// visit's encounter, and cancels with a reason a second order placed by mistake. The
// technician finds the urgent order on the worklist, collects the sample (the accession
// number is shown, and then on the worklist too), starts processing, is refused glucose
// in g/L (the service's violation under the unit's input), enters glucose 30 mg/dL
// (critical low, LL) and TSH 0.1 m[IU]/L (low) and attaches the instrument's PDF. The
// patient sees the tests pending the doctor's review; the doctor gets the critical value
// in the in-app inbox, reviews the order on "Results to review", releases it, sees it
// released on the encounter and completes the visit; the patient then sees the values,
// ranges and flags and downloads the PDF report (checked to start with %PDF). The
// technician's worklist and the patient's results read in Vietnamese; the admin is
// refused deleting a test in use ("deactivate it instead"). Along the way: the accession
// number's Code 128 barcode, the flag shown while a value is typed, the patient's range
// bars, the result file downloaded, an amendment after release (the patient sees the value
// it replaced), the glucose trend of two orders as a chart and a table, the lab invoice paid
// by card, and the admin creating a test with a reference range and editing it.
// Screenshots go to target/web-e2e/laboratory/.
//
//   HMS_WEB_URL=<gateway> HMS_ADMIN_PASSWORD=… node --preserve-symlinks web/e2e/walks/laboratory.mjs
import { readFile } from "node:fs/promises";
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { EhrService } from "@hms/sdk/hms/ehr/v1/ehr_pb";
import { LabStep, LaboratoryService, Priority } from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import { seed } from "../seed.mjs";
import { bearer, checkedInVisit, tokensOf } from "../steps/visit.mjs";
import { base, adminPassword, walk } from "../harness.mjs";
import { createStaff } from "../steps/admin.mjs";
import { payInvoice } from "../steps/billing.mjs";
import {
  doctorOrdersLabTests,
  doctorOrdersThenCancels,
  doctorReleases,
  patientDownloadsFile,
  patientSeesLabResults,
  patientSeesTrend,
  technicianAmends,
  technicianCollects,
  technicianEnters,
} from "../steps/laboratory.mjs";

const suffix = String(Date.now() % 1_000_000);
const transport = createGrpcWebTransport({ baseUrl: base });
const ehr = createClient(EhrService, transport);
const lab = createClient(LaboratoryService, transport);

const setup = await seed(base, adminPassword, suffix);

const ngoc = {
  first: "Ngọc",
  last: "Bùi",
  username: `ngoc.lab.${suffix}`,
  email: `ngoc.lab.${suffix}@example.com`,
  password: `pw-Ngoc-${suffix}-long`,
};
const GLUCOSE = "Fasting plasma glucose";
const TSH = "Thyroid stimulating hormone (TSH)";

/**
 * An earlier fasting glucose of the same visit, through the SDK: ordered, collected,
 * entered (5.2 mmol/L) and released, so that the patient's trend has two values.
 */
async function earlierGlucose(appointment, technician) {
  const doctor = await tokensOf(setup.doctor);
  const tech = await tokensOf(technician);
  const { tests } = await lab.listLabTests({ query: "14771-0" }, bearer(doctor));
  const glucose = tests.find((t) => t.code === "14771-0");
  const { encounters } = await ehr.listEncounters(
    { patientId: appointment.patientId },
    bearer(doctor),
  );
  const encounter = encounters.find((e) => e.appointmentId === appointment.id);
  let { order } = await lab.createLabOrder(
    {
      patientId: appointment.patientId,
      encounterId: encounter.encounterId,
      priority: Priority.ROUTINE,
      testIds: [glucose.testId],
    },
    bearer(doctor),
  );
  ({ order } = await lab.updateLabOrderStatus(
    { orderId: order.orderId, step: LabStep.COLLECT_SAMPLE, version: order.version },
    bearer(tech),
  ));
  ({ order } = await lab.enterLabResults(
    {
      orderId: order.orderId,
      itemId: order.items[0].itemId,
      results: [{ parameterCode: "14771-0", value: 5.2, unit: "mmol/L" }],
      version: order.version,
    },
    bearer(tech),
  ));
  await lab.releaseLabResults({ orderId: order.orderId, version: order.version }, bearer(doctor));
  return order.orderId;
}

/** A tiny but well-formed PDF, as an instrument would print it. */
function instrumentPdf() {
  const body = [
    "%PDF-1.4",
    "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj",
    "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj",
    "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj",
    "trailer << /Root 1 0 R >>",
    "%%EOF",
  ].join("\n");
  return Buffer.from(body, "latin1");
}

await walk("laboratory", async (harness) => {
  const { newPage, shot, register, signIn } = harness;

  // 0. The patient registers; the visit is set up behind the scenes.
  const patient = await newPage();
  await register(patient, ngoc);
  await signIn(patient, ngoc.username, ngoc.password);
  const appointment = await checkedInVisit(setup, ngoc, "Tiredness and thirst for a month");
  const patientId = appointment.patientId;
  console.log(`visit ${appointment.id} of patient ${patientId}`);

  // 1. The admin creates the lab technician and looks at the lab test catalog.
  const admin = await newPage();
  await signIn(admin, "admin", adminPassword);
  const technicianAccount = await createStaff(admin, {
    role: "Lab technician",
    first: "Hạnh",
    last: "Lê",
    username: `lab.hanh.${suffix}`,
    email: `lab.hanh.${suffix}@clinic.example`,
    password: `technician-password-${suffix}`,
    language: "en",
  });
  await shot(admin, "admin-technician-created");
  await admin.getByRole("link", { name: "Lab tests", exact: true }).click();
  await admin.getByRole("heading", { name: "Lab test catalog" }).waitFor();
  await admin.getByLabel("Find a test by name or code").fill("glucose");
  await admin.getByRole("rowheader", { name: GLUCOSE, exact: true }).waitFor();
  await shot(admin, "admin-lab-catalog");

  // 2. The doctor orders glucose and TSH, urgent, from the visit's encounter.
  const doctor = await newPage();
  await signIn(doctor, setup.doctor.username, setup.doctor.password);
  await doctor.goto(`${base}/appointments/${appointment.id}/encounter`);
  await doctor.getByRole("heading", { name: "Encounter", exact: true }).waitFor();
  const orderId = await doctorOrdersLabTests(doctor, {
    tests: [
      { search: "14771-0", name: GLUCOSE },
      { search: "3016-3", name: TSH },
    ],
    priority: "Urgent",
    notes: `Fasting since 22:00 (${suffix}).`,
    shot,
  });
  console.log(`lab order ${orderId}`);
  // A second order, placed by mistake, cancelled with a reason before the lab saw it.
  await doctorOrdersThenCancels(doctor, {
    test: { search: "3016-3", name: TSH },
    reason: `Already ordered in the urgent order (${suffix})`,
    shot,
  });

  // 3. The technician: the worklist, the sample and its accession number, processing.
  const technician = await newPage();
  await signIn(technician, technicianAccount.username, technicianAccount.password);
  const accession = await technicianCollects(technician, {
    tests: [GLUCOSE, TSH],
    patientId,
    shot,
  });
  console.log(`accession number ${accession}`);
  await technician.getByRole("link", { name: "Lab worklist", exact: true }).click();
  await technician
    .locator(`tr[data-lab-order="${orderId}"]`)
    .getByText(accession, { exact: true })
    .waitFor();
  await technician
    .locator(`tr[data-lab-order="${orderId}"]`)
    .getByRole("link", { name: /^Open the lab order/ })
    .click();
  await technician.getByRole("button", { name: "Start processing" }).click();
  await technician.locator(".title-row").getByText("Processing").first().waitFor();

  // 4. Results: a unit glucose is not kept in is refused next to its field; 30 mg/dL is
  // critically low; TSH 0.1 m[IU]/L is low. The instrument's PDF is attached.
  const glucose = await technicianEnters(technician, {
    test: GLUCOSE,
    value: 30,
    unit: "mg/dL",
    otherUnit: "g/L",
    flag: "LL",
    label: "glucose",
    shot,
  });
  console.log(glucose.trim());
  if (!glucose.includes("the ordering doctor has been told")) {
    throw new Error("the technician was not told the doctor was alerted");
  }
  const tsh = await technicianEnters(technician, {
    test: TSH,
    value: 0.1,
    unit: "m[IU]/L",
    flag: "L",
    label: "tsh",
    shot,
  });
  console.log(tsh.trim());
  const item = technician.getByRole("region", { name: GLUCOSE, exact: true });
  await item.getByLabel("Result file (PDF, PNG or JPEG, at most 4 MiB)").setInputFiles({
    name: "glucose-analyser.pdf",
    mimeType: "application/pdf",
    buffer: instrumentPdf(),
  });
  await item.getByRole("button", { name: "Attach the file" }).click();
  await item.getByText("Attached glucose-analyser.pdf.").waitFor();
  await item.getByRole("button", { name: "Download glucose-analyser.pdf" }).waitFor();
  await shot(technician, "technician-file-attached");

  // 5. Before release the patient sees only that the results wait for the doctor.
  await patientSeesLabResults(patient, { orderId, released: false, shot });

  // 6. The doctor: the critical value in the inbox, then the review and the release.
  await doctor.getByRole("link", { name: /^Notifications/ }).click();
  await doctor
    .locator(".inbox li")
    .filter({ hasText: /Critical lab value|Giá trị xét nghiệm nguy hiểm/ })
    .first()
    .waitFor({ timeout: 30_000 });
  await shot(doctor, "doctor-critical-notification");
  await doctorReleases(doctor, { orderId, flags: ["LL", "L"], shot });
  const earlier = await earlierGlucose(appointment, technicianAccount);
  console.log(`a second glucose, ${earlier}, released through the SDK`);
  // The visit ends here (a checked-in visit left open would be the next walk's nurse's).
  await doctor.goto(`${base}/appointments/${appointment.id}/encounter`);
  await doctor.getByRole("heading", { name: "Encounter", exact: true }).waitFor();
  const labOrders = doctor.getByRole("list", { name: "Lab orders of this encounter" });
  await labOrders.getByText("Results released").first().waitFor();
  // The doctor prints the report of the released results too.
  const [doctorReport] = await Promise.all([
    doctor.waitForEvent("download"),
    labOrders
      .locator(`li[data-lab-order="${orderId}"]`)
      .getByRole("button", { name: "Download report (PDF)" })
      .click(),
  ]);
  if ((await readFile(await doctorReport.path())).subarray(0, 4).toString("latin1") !== "%PDF") {
    throw new Error("the doctor's report is not a PDF");
  }
  await doctor
    .getByRole("button", { name: "Finish the encounter and complete the appointment" })
    .click();
  await doctor.getByText("The visit is recorded and complete.").waitFor();
  await shot(doctor, "doctor-visit-completed");

  // 7. The patient: values, ranges and flags, and the report as a PDF.
  await patient.reload();
  const report = await patientSeesLabResults(patient, { orderId, released: true, shot });
  console.log(`the report ${report.name}: ${String(report.size)} bytes of PDF`);
  const file = await patientDownloadsFile(patient, { orderId, name: "glucose-analyser.pdf" });
  console.log(`the patient downloaded the instrument's report ${file}`);

  // 7b. The technician amends the critical glucose (a haemolysed sample, rerun): the patient
  // sees the amendment with the value it replaced, and the trend of both glucose values.
  await technician.goto(`${base}/lab/orders/${orderId}`);
  await technician.getByRole("heading", { name: "Lab order", exact: true }).waitFor();
  const rerun = `Haemolysed sample, rerun (${suffix})`;
  await technicianAmends(technician, {
    test: GLUCOSE,
    value: 5.0,
    unit: "mmol/L",
    flag: "N",
    previous: "30 mg/dL",
    reason: rerun,
    shot,
  });
  await patient.reload();
  const amendedCard = patient.locator(`li[data-lab-order="${orderId}"]`);
  await amendedCard.getByText(`Previously 30 mg/dL; reason: ${rerun}`).waitFor();
  const trend = await patientSeesTrend(patient, {
    orderId,
    parameter: "Fasting glucose [Moles/volume] in Serum or Plasma",
    code: "14771-0",
    points: 2,
    shot,
  });
  await trend.getByText("(amended)").waitFor();

  // 7c. The lab invoice, made when the sample was collected, paid by card.
  const number = await payInvoice(patient, harness, { item: GLUCOSE, timeoutMs: 60_000 });
  console.log(`paid the lab invoice ${number}`);
  await patient.getByRole("link", { name: "Lab results", exact: true }).click();
  await patient.getByRole("heading", { name: "My lab results" }).waitFor();

  // 8. The technician's worklist in Vietnamese.
  await technician.getByRole("radio", { name: "VI" }).click();
  await technician.getByRole("link", { name: "Danh sách xét nghiệm", exact: true }).click();
  await technician.getByRole("heading", { name: "Danh sách xét nghiệm cần làm" }).waitFor();
  await shot(technician, "technician-worklist-vi");
  // The patient's results in Vietnamese: the flags' words and the report's button.
  await patient.getByRole("radio", { name: "VI" }).click();
  await patient.getByRole("heading", { name: "Kết quả xét nghiệm của tôi" }).waitFor();
  const card = patient.locator(`li[data-lab-order="${orderId}"]`);
  await card.getByText("Đã hiệu chỉnh.").first().waitFor();
  await card.locator('[data-flag="L"]').getByText("thấp").first().waitFor();
  await card.getByRole("columnheader", { name: "Khoảng tham chiếu" }).first().waitFor();
  // The report in Vietnamese (its words are checked by the service's tests).
  const [vietnameseReport] = await Promise.all([
    patient.waitForEvent("download"),
    card.getByRole("button", { name: "Tải phiếu kết quả (PDF)" }).click(),
  ]);
  if (
    (await readFile(await vietnameseReport.path())).subarray(0, 4).toString("latin1") !== "%PDF"
  ) {
    throw new Error("the Vietnamese report is not a PDF");
  }
  await shot(patient, "patient-lab-results-vi");

  // 9. The admin may not delete a test orders use: deactivate it instead.
  await admin.getByRole("button", { name: `Delete ${GLUCOSE}` }).click();
  const dialog = admin.getByRole("alertdialog", { name: `Delete ${GLUCOSE}` });
  await dialog.getByRole("button", { name: "Delete", exact: true }).click();
  await dialog
    .getByText("This test is used by lab orders and cannot be deleted: deactivate it instead.")
    .waitFor();
  await shot(admin, "admin-lab-test-in-use");
  await dialog.getByRole("button", { name: "Back" }).click();

  // 10. The admin adds a test of the clinic's own with a reference range (a limit that is
  // not a number refused next to it, then limits out of order refused by the service), and
  // edits its price.
  const ferritin = `Serum ferritin ${suffix}`;
  await admin.getByRole("button", { name: "New lab test" }).click();
  const form = admin.getByRole("form", { name: "New lab test" });
  await form.getByLabel("Code", { exact: true }).fill(`FER-${suffix}`);
  await form.getByLabel("Name", { exact: true }).fill(ferritin);
  await form.getByLabel("Sample type").fill("Serum");
  await form.getByLabel("Turnaround (hours)").fill("24");
  await form.getByLabel(/^Price/).fill("120000");
  await form.getByLabel("Parameter code").fill("2276-4");
  await form.getByLabel("Parameter name").fill("Ferritin");
  await form.getByLabel("Unit (UCUM)").fill("ug/L");
  await form.getByLabel("Decimals shown").fill("0");
  await form.getByRole("button", { name: "Add a range to Ferritin" }).click();
  const cell = (what) => form.getByLabel(`Range 1 of Ferritin: ${what}`, { exact: true });
  await cell("low").fill("fifteen");
  await cell("high").fill("150");
  await cell("critical low").fill("20");
  await cell("source").fill("WHO 2020, serum ferritin in adults");
  await form.getByRole("button", { name: "Create the test" }).click();
  await form.getByText("Enter a number, e.g. 5.4, or leave it blank.").waitFor();
  await cell("low").fill("15");
  await form.getByRole("button", { name: "Create the test" }).click();
  await form.getByText(/limits must be ordered/).waitFor();
  await shot(admin, "admin-lab-test-refused");
  await cell("critical low").fill("5");
  await form.getByRole("button", { name: "Create the test" }).click();
  await admin.getByRole("status").getByText(`${ferritin} is saved.`).waitFor();
  await admin.getByLabel("Find a test by name or code").fill(`FER-${suffix}`);
  await admin.getByRole("button", { name: `Edit ${ferritin}` }).click();
  const edit = admin.getByRole("form", { name: `Edit ${ferritin}` });
  if (
    (await edit.getByLabel("Range 1 of Ferritin: from age", { exact: true }).inputValue()) !== "18y"
  ) {
    throw new Error("the range's age band did not come back as entered");
  }
  await edit.getByLabel(/^Price/).fill("130000");
  await edit.getByRole("button", { name: "Save", exact: true }).click();
  await admin.getByRole("status").getByText(`${ferritin} is saved.`).waitFor();
  await admin
    .getByRole("row", { name: new RegExp(ferritin) })
    .getByText(/130[.,]000/)
    .waitFor();
  await shot(admin, "admin-lab-test-edited");
});
