// Clinical steps of a browser walk, on pages already signed in: the nurse records a
// checked-in patient's vital signs (one refused out of range first), the doctor opens the
// appointment's encounter from the worklist, writes the visit (notes, a diagnosis found by
// the ICD-10 lookup, a treatment plan) and completes it. Used by e2e/walks/clinical.mjs and
// the main walk.
//
// Rows are found by the patient's name where the schedule shows it; the schedule shows
// only the end of a patient's id (the user service's names are internal to services), so
// without a row naming the patient the first row with the wanted action is taken.
import { base } from "../harness.mjs";

const TABS = ["Today", "This week", "Next week"];
const noShot = async () => {};

/**
 * The schedule row (in one of the tabs) of `patientName` that offers `action` (a link or a
 * button name), or else the first row that does.
 */
async function rowWith(page, patientName, actions) {
  for (const tab of TABS) {
    await page.getByRole("tab", { name: tab, exact: true }).click();
    const panel = page.getByRole("tabpanel");
    // The tab's report: rows, or the sentence saying there are none.
    await panel
      .locator("tr[data-appointment]")
      .first()
      .or(panel.getByText("No appointments."))
      .waitFor();
    const rows = panel.locator("tr[data-appointment]");
    for (const action of actions) {
      const wanted = rows.filter({
        has: page.getByRole(action.role, { name: action.name, exact: true }),
      });
      const named = wanted.filter({ hasText: patientName });
      if ((await named.count()) > 0) return { row: named.first(), action };
      if ((await wanted.count()) > 0) return { row: wanted.first(), action };
    }
  }
  throw new Error(`no row of ${patientName} offers ${actions.map((a) => a.name).join(" or ")}`);
}

/**
 * On the nurse's check-in desk: checks the patient in if needed, opens "Record vitals",
 * is refused a temperature of 370 °C next to its field, then records a plausible set.
 * Returns { recorded: true }, or { recorded: false, refusal } when the EHR refuses (a nurse
 * records vitals for a visit of today only).
 */
export async function nurseRecordsVitals(page, patientName, { shot = noShot } = {}) {
  await page.goto(`${base}/check-in`);
  await page.getByRole("heading", { name: "Check-in" }).waitFor();
  const record = { role: "link", name: "Record vitals" };
  const checkIn = { role: "button", name: "Check in" };
  let found = await rowWith(page, patientName, [record, checkIn]);
  if (found.action === checkIn) {
    await found.row.getByRole("button", { name: "Check in", exact: true }).click();
    await page.getByRole("link", { name: "Record vitals" }).first().waitFor();
    found = await rowWith(page, patientName, [record]);
  }
  await found.row.getByRole("link", { name: "Record vitals" }).click();
  await page.getByRole("heading", { name: "Vital signs" }).waitFor();

  // A typing slip: 370 °C is refused next to the temperature field.
  await page.getByLabel("Temperature (°C)").fill("370");
  await page.getByLabel("Pulse (/min)").fill("88");
  await page.getByRole("button", { name: "Save vital signs" }).click();
  await page.getByText("must be between 30 and 45 °C").waitFor();
  await shot(page, "nurse-vitals-refused");

  await page.getByLabel("Temperature (°C)").fill("37.8");
  await page.getByLabel("Systolic BP (mmHg)").fill("128");
  await page.getByLabel("Diastolic BP (mmHg)").fill("82");
  await page.getByLabel("Respiratory rate (/min)").fill("18");
  await page.getByLabel("SpO₂ (%)").fill("97");
  await page.getByLabel("Weight (kg)").fill("61.5");
  await page.getByLabel("Height (cm)").fill("162");
  await page.getByRole("button", { name: "Save vital signs" }).click();
  const done = page.getByText(/^Recorded at /);
  const refused = page.getByText("Nurses record vital signs for a visit of today only.", {
    exact: false,
  });
  await done.or(refused).first().waitFor();
  if (await refused.isVisible()) {
    await shot(page, "nurse-vitals-not-today");
    return { recorded: false, refusal: "NO_ENCOUNTER_TODAY" };
  }
  await shot(page, "nurse-vitals-recorded");
  return { recorded: true };
}

/**
 * From the doctor's worklist: opens the appointment's encounter, writes the chief complaint
 * and notes, measures again (temperature and pulse), adds a diagnosis found by the ICD-10 lookup ("pharyngitis" → J02.9), a
 * treatment plan, then finishes the encounter and completes the appointment.
 */
export async function doctorRecordsEncounterAndCompletes(
  page,
  patientName,
  { shot = noShot, search = "pharyngitis", code = "J02.9" } = {},
) {
  await page.goto(`${base}/worklist`);
  await page.getByRole("heading", { name: "Worklist" }).waitFor();
  const { row } = await rowWith(page, patientName, [{ role: "link", name: "Encounter" }]);
  await row.getByRole("link", { name: "Encounter", exact: true }).click();
  await page.getByRole("heading", { name: "Encounter", exact: true }).waitFor();
  const start = page.getByRole("button", { name: "Start the encounter" });
  if (await start.isVisible()) {
    await start.click();
    await page.getByText("In progress").first().waitFor();
  }
  await shot(page, "doctor-encounter-open");

  await page
    .getByLabel("Chief complaint", { exact: true })
    .fill("Sore throat and fever for two days");
  await page
    .getByLabel("Examination findings", { exact: true })
    .fill("Red pharynx, no exudate; tender anterior cervical nodes.");
  await page.getByRole("button", { name: "Save notes" }).click();
  await page.getByText("Notes saved.").waitFor();

  // The doctor measures again: a second reading for the chart's trends.
  await page.getByText("Record vital signs", { exact: true }).click();
  await page.getByLabel("Temperature (°C)").fill("37,4");
  await page.getByLabel("Pulse (/min)").fill("84");
  await page.getByRole("button", { name: "Save vital signs" }).click();
  await page.getByRole("cell", { name: "37.4" }).waitFor();

  await page.getByLabel("Find an ICD-10 code", { exact: true }).fill(search);
  const results = page.getByRole("listbox", { name: "ICD-10 codes found" });
  const option = results.getByRole("option", {
    name: new RegExp(`^${code.replace(".", "\\.")} `),
  });
  await option.waitFor();
  // By keyboard: Tab into the results, arrows to the code, Enter chooses it.
  const names = await results.getByRole("option").allTextContents();
  const index = names.findIndex((n) => n.startsWith(`${code} `));
  await page.keyboard.press("Tab");
  for (let i = 0; i < index; i++) await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  const codeField = page.getByLabel("ICD-10 code", { exact: true });
  await codeField.waitFor();
  if ((await codeField.inputValue()) !== code) {
    throw new Error("the chosen code did not fill the diagnosis");
  }
  await shot(page, "doctor-icd10-search");
  await page.getByRole("button", { name: "Add the diagnosis" }).click();
  await page.locator(".plain-list code", { hasText: code }).waitFor();

  await page
    .getByLabel("Treatment plan", { exact: true })
    .fill("Paracetamol 500 mg every 6 hours if fever; rest, fluids.");
  await page
    .getByLabel("Follow-up instructions", { exact: true })
    .fill("Come back in 5 days if not better.");
  await page.getByRole("button", { name: "Add the treatment plan" }).click();
  await page.getByText("Paracetamol 500 mg every 6 hours").first().waitFor();
  await shot(page, "doctor-encounter-written");

  await page
    .getByRole("button", { name: "Finish the encounter and complete the appointment" })
    .click();
  await page.getByText("The visit is recorded and complete.").waitFor();
  await page.getByText("Finished").first().waitFor();
  await shot(page, "doctor-encounter-complete");
}
