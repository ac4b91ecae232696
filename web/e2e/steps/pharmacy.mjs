// Pharmacy steps of a browser walk, on pages already signed in (in English): the doctor
// records an allergy on the chart and prescribes from an encounter (a refusal with findings
// first, then overridden with a reason), and cancels a prescription of their own; the
// pharmacist receives and adjusts batches, verifies a prescription from the queue, checks
// the earliest-expiry-first preview and dispenses; the patient reads their prescriptions;
// the admin adds a medication to the catalog (a refused code shown next to its input
// first), finds it and edits its price, and verifies the pharmacy's and the laboratory's
// audit chains. Used by e2e/walks/pharmacy.mjs.
import { base } from "../harness.mjs";

const noShot = async () => {};

/** On the patient's chart: records an allergy to `substance` (high risk). */
export async function doctorRecordsAllergy(page, patientId, substance, { shot = noShot } = {}) {
  await page.goto(`${base}/patients/${patientId}`);
  await page.getByRole("heading", { name: "Patient chart" }).waitFor();
  const create = page.getByRole("button", { name: "Create the record" });
  const edit = page.getByRole("button", { name: "Edit the record" });
  await create.or(edit).first().waitFor();
  if (await create.isVisible()) {
    await create.click();
    await edit.waitFor();
  }
  await edit.click();
  await page.getByRole("button", { name: "Add an allergy" }).click();
  const n = await page.getByLabel(/^Allergy \d+: substance$/).count();
  await page.getByLabel(`Allergy ${String(n)}: substance`).fill(substance);
  await page.getByLabel(`Allergy ${String(n)}: reaction`).fill("Urticaria");
  await page.getByLabel(`Allergy ${String(n)}: risk`).selectOption({ label: "High risk" });
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("button", { name: "Edit the record" }).waitFor();
  await page.getByText(substance, { exact: true }).first().waitFor();
  await shot(page, "doctor-allergy-recorded");
}

/**
 * On an encounter page: prescribes `medication` (found by `search`, e.g. "amox" →
 * "Amoxicillin 500 mg capsule") with the item's fields, is refused with findings, checks
 * each expected finding (`expect`: texts the findings list must show), is refused an
 * override without a reason, then overrides with `reason`. Returns when the encounter lists
 * the prescription as waiting for verification.
 */
export async function doctorPrescribesOverridingFindings(
  page,
  { search, medication, item, expect = [], reason, shot = noShot },
) {
  const panel = await draftPrescription(page, { search, medication, item });
  await shot(page, "doctor-prescription-draft");
  await panel.getByRole("button", { name: "Write the prescription" }).click();

  // Refused: the findings, each with its kind, severity, other side and source.
  const refusal = panel.getByRole("region", { name: "Prescription refused: findings to review" });
  await refusal.waitFor();
  await refusal.getByRole("alert").waitFor();
  const findings = refusal.getByRole("list", { name: "Findings" });
  for (const text of expect) await findings.getByText(text, { exact: false }).first().waitFor();
  await shot(page, "doctor-prescription-findings");

  // An override needs a reason.
  await refusal.getByRole("button", { name: "Override and prescribe" }).click();
  await refusal.getByText("Give the reason for overriding these findings.").waitFor();
  await refusal.getByLabel("Reason for the override").fill(reason);
  await refusal.getByRole("button", { name: "Override and prescribe" }).click();
  await panel.getByText("The prescription is written. Status: Waiting for verification.").waitFor();
  const written = panel
    .getByRole("list", { name: "Written in this encounter" })
    .getByRole("listitem");
  await written.filter({ hasText: medication }).getByText("Waiting for verification").waitFor();
  await shot(page, "doctor-prescription-written");
}

/**
 * On the pharmacist's receiving page: finds `medication` by `search` and receives a batch
 * (`lot`, `expiry` as YYYY-MM-DD, `quantity`, `cost` per unit in VND).
 */
export async function pharmacistReceives(
  page,
  { search, medication, lot, expiry, quantity, cost },
  { shot = noShot } = {},
) {
  const heading = page.getByRole("heading", { name: `Receive a batch of ${medication}` });
  if (!(await heading.isVisible())) {
    await page.goto(`${base}/pharmacy/receiving`);
    await page.getByRole("heading", { name: "Receiving and adjustments" }).waitFor();
    await page.getByLabel("Find the medication").fill(search);
    await page
      .getByRole("listbox", { name: "Medications found" })
      .getByRole("option", { name: new RegExp(`^${escape(medication)} `) })
      .click();
    await heading.waitFor();
  }
  const form = page.getByRole("form", { name: `Receive a batch of ${medication}` });
  await form.getByLabel("Lot", { exact: true }).fill(lot);
  await form.getByLabel("Expiry date").fill(expiry);
  await form.getByLabel("Units received").fill(String(quantity));
  if (cost !== undefined) await form.getByLabel(/^Unit cost/).fill(String(cost));
  await form.getByRole("button", { name: "Receive the batch" }).click();
  await form
    .getByText(new RegExp(`^Received lot ${escape(lot)}: ${String(quantity)} unit`))
    .waitFor();
  // The batch is listed with the medication's others.
  await page
    .getByRole("region", { name: `Batches of ${medication}` })
    .locator(`tr[data-lot="${lot}"]`)
    .waitFor();
  await shot(page, `pharmacist-received-${lot}`);
}

/** On the receiving page of a medication: adjusts the batch `lot` by `delta` for `reason`. */
export async function pharmacistAdjusts(
  page,
  medication,
  { lot, delta, reason, note, expectUnits },
) {
  const form = page.getByRole("form", { name: `Adjust a batch of ${medication}` });
  const batch = form.getByLabel("Batch", { exact: true });
  const value = await batch.locator("option", { hasText: `Lot ${lot},` }).getAttribute("value");
  await batch.selectOption(value);
  await form.getByLabel("Change in units").fill(String(delta));
  await form.getByLabel("Reason", { exact: true }).selectOption({ label: reason });
  if (note) await form.getByLabel("Note (optional)").fill(note);
  await form.getByRole("button", { name: "Save the adjustment" }).click();
  await form
    .getByText(`Lot ${lot} now holds ${String(expectUnits)} unit(s).`, { exact: false })
    .waitFor();
}

/** From the queue: opens the prescription of `medication` for the patient (id's end). */
export async function pharmacistOpensFromQueue(page, { medication, patientId, shot = noShot }) {
  await page.goto(`${base}/pharmacy/queue`);
  await page.getByRole("heading", { name: "Prescriptions to handle" }).waitFor();
  await page
    .getByLabel("Status", { exact: true })
    .selectOption({ label: "Waiting for verification" });
  const open = page.getByRole("link", {
    name: `Open the prescription of ${medication} for patient ${patientId.slice(-8)}`,
  });
  await open.first().waitFor();
  const row = page.locator("tr[data-prescription]", { has: open.first() });
  await row.getByText("1 overridden").waitFor();
  await shot(page, "pharmacist-queue");
  await open.first().click();
  await page.getByRole("heading", { name: "Prescription", exact: true }).waitFor();
}

/**
 * On a prescription waiting for verification: reads the overridden findings and their
 * reason, verifies it, checks that the preview takes `quantity` units earliest expiry
 * first, beginning with the lot `first` (`firstUnits` of it), dispenses everything and
 * checks the result. Returns the preview's picks ({ lot, expiry, units }) and the result's
 * note.
 */
export async function pharmacistVerifiesAndDispenses(
  page,
  { medication, overrideReason, first, firstUnits, quantity, shot = noShot },
) {
  const overridden = page.getByRole("region", { name: "Findings overridden by the prescriber" });
  await overridden.getByText(`Reason for the override: ${overrideReason}`).waitFor();
  await overridden.getByText("Contraindicated").first().waitFor();
  await shot(page, "pharmacist-prescription");
  await page.getByRole("button", { name: "Verify (approve)" }).click();
  const dispense = page.getByRole("region", { name: "Dispense", exact: true });
  await dispense.waitFor();
  await page.locator(".title-row").getByText("Verified").waitFor();

  // The preview: earliest expiry first, nothing short.
  const row = dispense.getByRole("row", { name: new RegExp(`^${escape(medication)} `) });
  await row.waitFor();
  const picks = (await row.locator(".picks li").allTextContents()).map(readPick);
  const expiries = picks.map((p) => p.expiry);
  if (
    picks[0]?.lot !== first ||
    picks[0]?.units !== firstUnits ||
    expiries.some((e, i) => i > 0 && e < expiries[i - 1]) ||
    picks.reduce((n, p) => n + p.units, 0) !== quantity
  ) {
    throw new Error(`the preview's picks are not earliest expiry first: ${JSON.stringify(picks)}`);
  }
  await dispense
    .getByText(`Everything can be dispensed now: ${String(quantity)} unit(s).`)
    .waitFor();
  await shot(page, "pharmacist-preview");

  await dispense.getByRole("button", { name: "Dispense", exact: true }).click();
  const done = page.getByRole("region", { name: "Dispensed", exact: true });
  const note = done.getByText(
    new RegExp(
      `^Dispensed ${String(quantity)} unit\\(s\\), invoiced .* The prescription is now: Dispensed in full\\.`,
    ),
  );
  await note.waitFor();
  await page.locator(".title-row").getByText("Dispensed in full").waitFor();
  await shot(page, "pharmacist-dispensed");
  return { picks, note: await note.textContent() };
}

/** "Lot AMX-B · Expiry Sat, 16 Jan 2027 · Units 10" → { lot, expiry (ms), units }. */
function readPick(text) {
  const m = /^Lot (\S+) · Expiry \w+, (.+) · Units (\d+)$/.exec(text.trim());
  if (!m) throw new Error(`an unreadable pick: ${text}`);
  return { lot: m[1], expiry: Date.parse(m[2]), units: Number(m[3]) };
}

/** The patient's prescriptions list `medication` with `status` and its dispensed units. */
/**
 * On an encounter page: prescribes `medication` (no findings expected), then cancels it from
 * the encounter's list: refused without a reason, then cancelled with `reason`.
 */
export async function doctorPrescribesThenCancels(
  page,
  { search, medication, item, reason, shot = noShot },
) {
  const panel = await draftPrescription(page, { search, medication, item });
  await panel.getByRole("button", { name: "Write the prescription" }).click();
  await panel.getByText("The prescription is written. Status: Waiting for verification.").waitFor();
  const written = panel
    .getByRole("list", { name: "Written in this encounter" })
    .getByRole("listitem")
    .filter({ hasText: medication });
  await written.getByText("Waiting for verification").waitFor();

  await written.getByText("Cancel the prescription", { exact: true }).first().click();
  const form = written.getByRole("form", { name: "Cancel the prescription" });
  await form.getByRole("button", { name: "Cancel the prescription" }).click();
  await form.getByText("Say why the prescription is cancelled.").waitFor();
  await form.getByLabel("Reason for cancelling").fill(reason);
  await form.getByRole("button", { name: "Cancel the prescription" }).click();
  await written.getByText("Cancelled", { exact: true }).waitFor();
  await written.getByText(`Why it was cancelled: ${reason}`).waitFor();
  // Nothing left to cancel.
  await written
    .getByRole("form", { name: "Cancel the prescription" })
    .waitFor({ state: "detached" });
  await shot(page, "doctor-prescription-cancelled");
}

export async function patientSeesPrescription(
  page,
  { medication, status, dispensed, shot = noShot },
) {
  await page.goto(`${base}/prescriptions`);
  await page.getByRole("heading", { name: "My prescriptions" }).waitFor();
  const card = page.locator("li[data-prescription]", { hasText: medication }).first();
  await card.getByText(status, { exact: true }).waitFor();
  await card
    .getByRole("row", { name: new RegExp(`^${escape(medication)} `) })
    .getByText(dispensed)
    .waitFor();
  await shot(page, "patient-prescriptions");
}

/** The pharmacy service's sentence for a code that is not 2 to 16 capitals or digits. */
const CODE_RULE = "must be 2 to 16 upper case letters or digits";

/**
 * On the admin's medication catalog: creates `medication` ({ code, name, genericName,
 * classes, ingredients, manufacturer, form (the label shown), strength, price (whole VND),
 * reorderLevel }). `refusedCode` is sent first: the service refuses it and the form shows
 * the violation next to the code's input (and not again under the form); then `code` is
 * sent. The service keeps codes in capitals, so the list shows `code` upper-cased.
 */
export async function adminCreatesMedication(
  page,
  medication,
  { refusedCode, shot = noShot } = {},
) {
  await page.getByRole("link", { name: "Medications", exact: true }).click();
  await page.getByRole("heading", { name: "Medication catalog", level: 1 }).waitFor();
  await page.getByRole("button", { name: "New medication" }).click();
  const form = page.getByRole("form", { name: "New medication" });
  const code = form.getByLabel("Code", { exact: true });
  await code.fill(refusedCode ?? medication.code);
  await form.getByLabel("Name", { exact: true }).fill(medication.name);
  await form.getByLabel("Generic name").fill(medication.genericName);
  await form.getByLabel("Drug classes").fill(medication.classes.join(", "));
  await form.getByLabel("Ingredients").fill(medication.ingredients.join(", "));
  await form.getByLabel("Manufacturer").fill(medication.manufacturer);
  await form.getByLabel("Dosage form").selectOption({ label: medication.form });
  await form.getByLabel("Strength").fill(medication.strength);
  await form.getByLabel(/^Unit price/).fill(String(medication.price));
  await form.getByLabel(/^Reorder level/).fill(String(medication.reorderLevel));
  if (refusedCode !== undefined) {
    await form.getByRole("button", { name: "Create the medication" }).click();
    // Next to the code's input, tied to it, and not listed again under the form.
    const field = form.locator(".field").filter({ has: page.getByLabel("Code", { exact: true }) });
    await field.locator(".field-error").getByText(CODE_RULE).waitFor();
    if ((await code.getAttribute("aria-invalid")) !== "true") {
      throw new Error("the refused code's input is not marked invalid");
    }
    await form.getByRole("alert").getByText("Some fields need your attention.").waitFor();
    if ((await form.getByRole("alert").getByText(CODE_RULE).count()) > 0) {
      throw new Error("the code's violation is listed under the form as well as at its input");
    }
    await shot(page, "admin-medication-refused");
    await code.fill(medication.code);
  }
  await form.getByRole("button", { name: "Create the medication" }).click();
  await page.getByRole("status").getByText(`${medication.name} is saved.`).waitFor();
  await form.waitFor({ state: "detached" });
}

/**
 * On the admin's medication catalog: finds `name` by `search` (the start of a word of its
 * name or generic name), checks its row (code, dosage form), opens it with its Edit button
 * and sets its unit price to `price` (whole VND); the row then shows the new price.
 */
export async function adminEditsMedicationPrice(
  page,
  { search, name, code, form: dosageForm, price, shot = noShot },
) {
  await page.getByLabel("Find a medication", { exact: true }).fill(search);
  const row = page.getByRole("row", { name: new RegExp(escape(name)) });
  await row.getByRole("rowheader", { name, exact: true }).waitFor();
  await row.getByText(code.toUpperCase(), { exact: true }).waitFor();
  await row.getByText(dosageForm, { exact: true }).waitFor();
  await row.getByText("Active", { exact: true }).waitFor();
  await shot(page, "admin-medication-found");
  await row.getByRole("button", { name: `Edit ${name}` }).click();
  const edit = page.getByRole("form", { name: `Edit ${name}` });
  const input = edit.getByLabel(/^Unit price/);
  await input.fill(String(price));
  await edit.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByRole("status").getByText(`${name} is saved.`).waitFor();
  await edit.waitFor({ state: "detached" });
  const grouped = String(price).replace(/\B(?=(\d{3})+(?!\d))/g, "[.,]");
  await row.getByText(new RegExp(grouped)).waitFor();
  await shot(page, "admin-medication-edited");
}

/**
 * On the admin's Audit screen: the Pharmacy tab's chain verified intact, and its events
 * of `actorId` (the pharmacist) listing a DispensePrescription; the Laboratory tab's chain
 * verified intact too.
 */
export async function adminVerifiesPharmacyAndLabAudit(page, { actorId, shot = noShot }) {
  const intact = /^The chain is intact: \d+ entries checked\.$/;
  await page.getByRole("link", { name: "Audit", exact: true }).click();
  await page.getByRole("heading", { name: "Audit", level: 1 }).waitFor();

  await page.getByRole("tab", { name: "Pharmacy", exact: true }).click();
  const pharmacy = page.getByRole("tabpanel", { name: "Pharmacy", exact: true });
  await pharmacy.getByRole("button", { name: "Verify the pharmacy chain" }).click();
  await pharmacy.getByRole("status").getByText(intact).waitFor();
  const search = pharmacy.getByRole("search", { name: "Search the log" });
  await search.getByLabel("Actor id").fill(actorId);
  await search.getByRole("button", { name: "Search" }).click();
  await pharmacy
    .getByRole("rowheader", { name: "DispensePrescription", exact: true })
    .first()
    .waitFor();
  await shot(page, "admin-pharmacy-audit");

  await page.getByRole("tab", { name: "Laboratory", exact: true }).click();
  const laboratory = page.getByRole("tabpanel", { name: "Laboratory", exact: true });
  await laboratory.getByRole("button", { name: "Verify the laboratory chain" }).click();
  await laboratory.getByRole("status").getByText(intact).waitFor();
  await shot(page, "admin-laboratory-audit");
}

/**
 * On an encounter page: finds `medication` by `search` in the prescribing panel and fills
 * the item's fields. Returns the panel.
 */
async function draftPrescription(page, { search, medication, item }) {
  const panel = page.getByRole("region", { name: "Prescriptions" });
  await panel.waitFor();
  await panel.getByLabel("Find a medication").fill(search);
  const results = panel.getByRole("listbox", { name: "Medications found" });
  await results.getByRole("option", { name: new RegExp(`^${escape(medication)} `) }).click();
  const group = panel.getByRole("group", { name: medication });
  await group.getByLabel("Dosage", { exact: true }).fill(item.dosage);
  await group.getByLabel("Frequency", { exact: true }).fill(item.frequency);
  await group.getByLabel("Duration (days)").fill(String(item.days));
  await group.getByLabel("Quantity to dispense").fill(String(item.quantity));
  if (item.instructions) await group.getByLabel("Instructions").fill(item.instructions);
  return panel;
}

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
