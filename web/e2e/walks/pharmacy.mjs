// The pharmacy walk: a patient's visit is booked, confirmed and checked in (through the
// SDK); the admin creates a pharmacist on the Users screen; the doctor records a
// "Penicillins" allergy on the chart and, from the visit's encounter, prescribes
// Amoxicillin 500 mg capsules (AMOX500C of the starter catalog): refused with the allergy
// finding, then overridden with a reason; writes a Paracetamol prescription by mistake and
// cancels it with a reason; the doctor completes the visit. The pharmacist
// receives two batches (the later-expiring first) and adjusts one, finds the prescription
// in the queue with its overridden finding flagged, verifies it, checks that the preview
// takes the earlier-expiring lot first, and dispenses it in full; the stock (low only) and
// expiring pages show what is left, and the pharmacist's screens read in Vietnamese. The
// patient sees the prescription dispensed in full and pays the medication invoice billing
// makes of the dispense (through the outbox, so the walk waits for it) by card. The admin
// then adds a medication to the catalog (a code with a hyphen refused first, the violation
// shown next to the code's input; the lower-case code then sent is kept in capitals), finds
// it by a word of its name and edits its price; and on the Audit screen verifies the
// pharmacy's chain (intact, the pharmacist's DispensePrescription listed) and the
// laboratory's. Screenshots go to target/web-e2e/pharmacy/.
//
//   HMS_WEB_URL=<gateway> HMS_ADMIN_PASSWORD=… node --preserve-symlinks web/e2e/walks/pharmacy.mjs
import { seed } from "../seed.mjs";
import { checkedInVisit, clinicDay } from "../steps/visit.mjs";
import { base, adminPassword, walk } from "../harness.mjs";
import { createStaff } from "../steps/admin.mjs";
import { doctorRecordsEncounterAndCompletes } from "../steps/clinical.mjs";
import { payInvoice } from "../steps/billing.mjs";
import {
  adminCreatesMedication,
  adminEditsMedicationPrice,
  adminVerifiesPharmacyAndLabAudit,
  doctorPrescribesOverridingFindings,
  doctorPrescribesThenCancels,
  doctorRecordsAllergy,
  patientSeesPrescription,
  pharmacistAdjusts,
  pharmacistOpensFromQueue,
  pharmacistReceives,
  pharmacistVerifiesAndDispenses,
} from "../steps/pharmacy.mjs";

const suffix = String(Date.now() % 1_000_000);

const setup = await seed(base, adminPassword, suffix);

const hoa = {
  first: "Hòa",
  last: "Đặng",
  username: `hoa.rx.${suffix}`,
  email: `hoa.rx.${suffix}@example.com`,
  password: `pw-Hoa-${suffix}-long`,
};
const patientName = `${hoa.first} ${hoa.last}`;
const medication = "Amoxicillin 500 mg capsule";
const overrideReason = `Childhood rash only; tolerated amoxicillin in 2024 (${suffix}).`;
// Lot A arrives first but expires later; lot B expires sooner, so it is dispensed first.
const lotA = `AMX-A-${suffix}`;
const lotB = `AMX-B-${suffix}`;

await walk("pharmacy", async (harness) => {
  const { newPage, shot, register, signIn } = harness;

  // 0. The patient registers; the visit is set up behind the scenes.
  const patient = await newPage();
  await register(patient, hoa);
  await signIn(patient, hoa.username, hoa.password);
  const appointment = await checkedInVisit(setup, hoa, "Sore throat, fever and swollen tonsils");
  const patientId = appointment.patientId;
  console.log(`visit ${appointment.id} of patient ${patientId}`);

  // 1. The admin creates the pharmacist on the Users screen.
  const admin = await newPage();
  await signIn(admin, "admin", adminPassword);
  const pharmacistAccount = await createStaff(admin, {
    role: "Pharmacist",
    first: "Thu",
    last: "Đỗ",
    username: `pharm.thu.${suffix}`,
    email: `pharm.thu.${suffix}@clinic.example`,
    password: `pharmacist-password-${suffix}`,
    language: "en",
  });
  await shot(admin, "admin-pharmacist-created");

  // 2. The doctor records the allergy, then prescribes from the encounter: refused with the
  // allergy finding, overridden with a reason; then completes the visit.
  const doctor = await newPage();
  await signIn(doctor, setup.doctor.username, setup.doctor.password);
  await doctorRecordsAllergy(doctor, patientId, "Penicillins", { shot });
  await doctor.goto(`${base}/appointments/${appointment.id}/encounter`);
  await doctor.getByRole("heading", { name: "Encounter", exact: true }).waitFor();
  await doctorPrescribesOverridingFindings(doctor, {
    search: "amox",
    medication,
    item: {
      dosage: "1 capsule",
      frequency: "3 times a day",
      days: 7,
      quantity: 21,
      instructions: "After meals; finish the course.",
    },
    expect: ["Allergy", "Contraindicated", "Penicillins", "Source: the patient's medical record"],
    reason: overrideReason,
    shot,
  });
  // A second prescription, written by mistake, cancelled by the doctor before the pharmacy
  // saw it.
  await doctorPrescribesThenCancels(doctor, {
    search: "paracetamol",
    medication: "Paracetamol 500 mg tablet",
    item: { dosage: "1 tablet", frequency: "every 6 hours if needed", days: 3, quantity: 12 },
    reason: "Written for the wrong patient",
    shot,
  });
  await doctorRecordsEncounterAndCompletes(doctor, patientName, { shot });

  // 3. The pharmacist receives two batches, the later-expiring one first, and adjusts it.
  const pharmacist = await newPage();
  await signIn(pharmacist, pharmacistAccount.username, pharmacistAccount.password);
  await pharmacist.getByRole("heading", { name: "Prescriptions to handle" }).waitFor();
  const product = { search: "amox", medication };
  await pharmacistReceives(pharmacist, {
    ...product,
    lot: lotA,
    expiry: clinicDay(200).text,
    quantity: 30,
    cost: 600,
  });
  await pharmacistReceives(
    pharmacist,
    { ...product, lot: lotB, expiry: clinicDay(40).text, quantity: 10, cost: 650 },
    { shot },
  );
  // An expired batch is refused before it is sent.
  const receive = pharmacist.getByRole("form", { name: `Receive a batch of ${medication}` });
  await receive.getByLabel("Lot", { exact: true }).fill(`AMX-OLD-${suffix}`);
  await receive.getByLabel("Expiry date").fill(clinicDay(-3).text);
  await receive.getByLabel("Units received").fill("5");
  await receive.getByRole("button", { name: "Receive the batch" }).click();
  await receive.getByText("This date has passed: an expired batch cannot be received.").waitFor();
  await pharmacistAdjusts(pharmacist, medication, {
    lot: lotA,
    delta: -1,
    reason: "Damaged",
    note: "Blister torn on delivery",
    expectUnits: 29,
  });
  await shot(pharmacist, "pharmacist-adjusted");

  // 4. The queue, the prescription, verification, the preview and the dispense.
  await pharmacistOpensFromQueue(pharmacist, { medication, patientId, shot });
  const result = await pharmacistVerifiesAndDispenses(pharmacist, {
    medication,
    overrideReason,
    first: lotB,
    firstUnits: 10,
    quantity: 21,
    shot,
  });
  console.log(`the preview took ${result.picks.map((p) => `${p.units} of ${p.lot}`).join(", ")}`);
  console.log(result.note);
  // On a fresh hms up the rest comes from lot A; a walk run again on the same one takes
  // from the earlier run's lot A of the same expiry first.
  const leftInA = 29 - result.picks.filter((p) => p.lot === lotA).reduce((n, p) => n + p.units, 0);

  // 5. Stock: below the reorder level, lot B used up (no longer listed), lot A down to 18
  // (29 less the 11 dispensed), then one more found by a count; expiring batches.
  await pharmacist.getByRole("link", { name: "Stock", exact: true }).click();
  await pharmacist.getByRole("heading", { name: "Stock", level: 1 }).waitFor();
  await pharmacist.getByLabel("Only medications below their reorder level").check();
  const card = pharmacist.locator("li[data-medication]", {
    has: pharmacist.getByRole("heading", { name: medication, exact: true }),
  });
  await card.getByText("Below reorder level").waitFor();
  await card
    .locator(`tr[data-lot="${lotA}"]`)
    .getByRole("cell", { name: String(leftInA), exact: true })
    .waitFor();
  if ((await card.locator(`tr[data-lot="${lotB}"]`).count()) > 0) {
    throw new Error("a used-up batch is still listed in stock");
  }
  await shot(pharmacist, "pharmacist-stock-low");
  // A count correction from the stock page's dialog.
  await card.getByRole("button", { name: `Adjust lot ${lotA}` }).click();
  const dialog = pharmacist.getByRole("dialog", { name: `Adjust ${medication}, lot ${lotA}` });
  await dialog.getByLabel("Change in units").fill("0");
  await dialog.getByRole("button", { name: "Save the adjustment" }).click();
  await dialog.getByText("Enter a whole number of units other than 0").waitFor();
  await dialog.getByLabel("Change in units").fill("+1");
  await dialog.getByLabel("Reason", { exact: true }).selectOption({ label: "Count correction" });
  await dialog.getByRole("button", { name: "Save the adjustment" }).click();
  await dialog.getByText(`Lot ${lotA} now holds ${String(leftInA + 1)} unit(s).`).waitFor();
  await shot(pharmacist, "pharmacist-stock-adjust-dialog");
  await dialog.getByRole("button", { name: "Close" }).click();
  await card
    .locator(`tr[data-lot="${lotA}"]`)
    .getByRole("cell", { name: String(leftInA + 1), exact: true })
    .waitFor();
  await pharmacist.getByRole("link", { name: "Expiring", exact: true }).click();
  await pharmacist.getByRole("heading", { name: "Expiring batches" }).waitFor();
  await pharmacist.getByLabel("Within (days)").fill("365");
  await pharmacist.getByRole("button", { name: "Show" }).click();
  await pharmacist
    .locator(`tr[data-lot="${lotA}"]`)
    .getByText(/^Expires in \d+ day/)
    .waitFor();
  if ((await pharmacist.locator(`tr[data-lot="${lotB}"]`).count()) > 0) {
    throw new Error("a used-up batch is listed as expiring");
  }
  await shot(pharmacist, "pharmacist-expiring");
  // In Vietnamese.
  await pharmacist.getByRole("radio", { name: "VI" }).click();
  await pharmacist.getByRole("heading", { name: "Lô sắp hết hạn" }).waitFor();
  await pharmacist.getByRole("link", { name: "Đơn chờ xử lý" }).click();
  await pharmacist.getByRole("heading", { name: "Đơn thuốc cần xử lý" }).waitFor();
  await shot(pharmacist, "pharmacist-queue-vi");

  // 6. The patient: the prescription dispensed in full, and its invoice paid by card.
  await patientSeesPrescription(patient, {
    medication,
    status: "Dispensed in full",
    dispensed: "21 of 21",
    shot,
  });
  const number = await payInvoice(patient, harness, { item: medication, timeoutMs: 60_000 });
  console.log(`paid the medication invoice ${number}`);

  // 7. The admin adds a medication to the catalog: a code with a hyphen is refused next to
  // its input; the lower-case code sent then is kept in capitals. Found by a word of its
  // name, its price is edited.
  const cefalexin = {
    code: `kef${suffix}`,
    name: `Cefalexin ${suffix} 250 mg capsule`,
    genericName: "cefalexin",
    classes: ["cephalosporin", "beta_lactam"],
    ingredients: ["cefalexin"],
    manufacturer: "Walk Pharma",
    form: "Capsule",
    strength: "250 mg",
    price: 1800,
    reorderLevel: 20,
  };
  await adminCreatesMedication(admin, cefalexin, { refusedCode: `kef-${suffix}`, shot });
  await adminEditsMedicationPrice(admin, {
    search: suffix,
    name: cefalexin.name,
    code: cefalexin.code,
    form: cefalexin.form,
    price: 2500,
    shot,
  });

  // 8. The audit chains: the pharmacy's intact, with the pharmacist's dispense in it; the
  // laboratory's intact.
  await adminVerifiesPharmacyAndLabAudit(admin, { actorId: pharmacistAccount.id, shot });
});
