// Laboratory steps of a browser walk, on pages already signed in (in English): the doctor
// orders tests from an encounter and releases results from "Results to review"; the lab
// technician opens an order from the worklist, collects the sample and enters results
// (a wrong unit refused next to its field first); the patient reads their lab results and
// downloads the report. Used by e2e/walks/laboratory.mjs.
import { readFile } from "node:fs/promises";

const noShot = async () => {};

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * On an encounter page: finds each test (`{ search, name }`) in the catalog, sets the
 * priority and notes and orders them. Returns when the encounter lists the order.
 */
export async function doctorOrdersLabTests(
  page,
  { tests, priority = "Routine", notes = "", shot = noShot },
) {
  const panel = page.getByRole("region", { name: "Laboratory", exact: true });
  for (const test of tests) {
    await panel.getByLabel("Find a lab test").fill(test.search);
    await panel
      .getByRole("listbox", { name: "Lab tests found" })
      .getByRole("option", { name: new RegExp(`^${escape(test.name)} `) })
      .click();
    await panel
      .getByRole("list", { name: "Tests to order" })
      .getByText(test.name, { exact: true })
      .waitFor();
  }
  const form = panel.getByRole("form", { name: "Order lab tests" });
  await form.getByRole("radio", { name: priority }).check();
  if (notes) await form.getByLabel("Notes for the laboratory (optional)").fill(notes);
  await shot(page, "doctor-lab-order-draft");
  await form.getByRole("button", { name: "Order the tests" }).click();
  await panel.getByText(`The lab order is placed: ${String(tests.length)} test(s).`).waitFor();
  const order = panel
    .getByRole("list", { name: "Lab orders of this encounter" })
    .getByRole("listitem");
  await order.first().getByText(priority, { exact: true }).waitFor();
  for (const test of tests) await order.first().getByText(test.name, { exact: true }).waitFor();
  await shot(page, "doctor-lab-ordered");
  return (await order.first().getAttribute("data-lab-order")) ?? "";
}

/**
 * On the technician's worklist: the order of `tests` for the patient (id's end) is there,
 * marked urgent; opens it, collects the sample and returns the accession number shown.
 */
export async function technicianCollects(page, { tests, patientId, urgent = true, shot = noShot }) {
  await page.getByRole("heading", { name: "Laboratory worklist" }).waitFor();
  const open = page.getByRole("link", {
    name: `Open the lab order of ${tests.join(", ")} for patient ${patientId.slice(-8)}`,
  });
  await open.first().waitFor();
  const row = page.locator("tr[data-lab-order]", { has: open.first() });
  if (urgent) await row.getByText("Urgent", { exact: true }).waitFor();
  await shot(page, "technician-worklist");
  await open.first().click();
  await page.getByRole("heading", { name: "Lab order", exact: true }).waitFor();
  await page.getByRole("button", { name: "Collect the sample" }).click();
  const banner = page.locator("[data-accession]");
  await banner.waitFor();
  const accession = (await banner.getAttribute("data-accession")) ?? "";
  if (!/^L\d{6}-\d+$/.test(accession)) throw new Error(`an odd accession number: ${accession}`);
  // The accession number as a Code 128 barcode, with the number printed under the bars.
  const barcode = page.getByRole("img", { name: `Barcode of accession number ${accession}` });
  await barcode.waitFor();
  const bars = await barcode.locator("rect").count();
  if (bars < 20) throw new Error(`the barcode has ${String(bars)} bars`);
  const printed = (await barcode.locator("text").textContent()) ?? "";
  if (printed.trim() !== accession) throw new Error(`the label reads ${printed}`);
  await page.getByRole("button", { name: "Print the sample label" }).waitFor();
  await page.locator(".title-row").getByText("Sample collected").first().waitFor();
  await shot(page, "technician-sample-collected");
  return accession;
}

/**
 * On an order page: enters `value` in `unit` for the test `test` (a one-parameter test),
 * then checks what the laboratory judged (`flag`, e.g. "LL"). With `otherUnit`, the value
 * is sent in that unit first and the refusal is expected next to the unit's field.
 */
export async function technicianEnters(
  page,
  { test, value, unit, flag, otherUnit, label = "", shot = noShot },
) {
  const item = page.getByRole("region", { name: test, exact: true });
  const form = item.getByRole("form", { name: `Results of ${test}` });
  if (otherUnit) {
    await form.getByLabel(/: value$/).fill(String(value));
    await form.getByLabel(/: unit$/).selectOption({ label: "Another unit…" });
    const other = form.getByLabel(/: other unit \(UCUM\)$/);
    await other.fill(otherUnit);
    await form.getByRole("button", { name: "Save the results" }).click();
    // The service's violation of results[0].unit, under the unit's own input.
    const field = form.locator(".field", { has: page.getByLabel(/: other unit \(UCUM\)$/) });
    await field
      .locator(".field-error")
      .getByText(/is not accepted/)
      .waitFor();
    if ((await other.getAttribute("aria-invalid")) !== "true") {
      throw new Error("the refused unit's input is not marked invalid");
    }
    await shot(page, `technician-${label}-unit-refused`);
  }
  await form.getByLabel(/: value$/).fill(String(value));
  await form.getByLabel(/: unit$/).selectOption({ label: unit });
  // The flag the value will get, shown before it is sent.
  await form.locator(`[data-preview] [data-flag="${flag}"]`).waitFor();
  await shot(page, `technician-${label}-live-flag`);
  await form.getByRole("button", { name: "Save the results" }).click();
  const saved = item.getByRole("status").filter({ hasText: "Saved. The laboratory judged:" });
  await saved.waitFor();
  await saved.locator(`[data-flag="${flag}"]`).waitFor();
  await item.locator(`[data-flag="${flag}"]`).first().waitFor();
  await shot(page, `technician-${label}-entered`);
  return (await saved.textContent()) ?? "";
}

/** On "Results to review": the order shows `flag` for a value, then is released. */
export async function doctorReleases(page, { orderId, flags, shot = noShot }) {
  await page.getByRole("link", { name: "Results to review", exact: true }).click();
  await page.getByRole("heading", { name: "Results to review", level: 1 }).waitFor();
  const card = page.locator(`li[data-lab-order="${orderId}"]`);
  await card.waitFor();
  for (const f of flags) await card.locator(`[data-flag="${f}"]`).first().waitFor();
  await card.getByText("This order has a critical value (LL or HH).").waitFor();
  await shot(page, "doctor-results-to-review");
  await card.getByRole("button", { name: "Release the results to the patient" }).click();
  await card.waitFor({ state: "detached" });
  await shot(page, "doctor-results-released");
}

/** The patient's lab results: before release, pending; after, values and the PDF report. */
export async function patientSeesLabResults(page, { orderId, released, shot = noShot }) {
  await page.getByRole("link", { name: "Lab results", exact: true }).click();
  await page.getByRole("heading", { name: "My lab results" }).waitFor();
  const card = page.locator(`li[data-lab-order="${orderId}"]`);
  await card.waitFor();
  if (!released) {
    await card.getByText("Pending your doctor's review").first().waitFor();
    if ((await card.locator("[data-flag]").count()) > 0) {
      throw new Error("the patient sees values before the doctor released them");
    }
    await shot(page, "patient-lab-pending");
    return undefined;
  }
  await card.locator('[data-flag="LL"]').waitFor();
  await card.getByText("critical low").first().waitFor();
  // Each value drawn against its range: a critically low one off the range's left.
  const bar = card.locator(".range-bar").first();
  await bar.waitFor();
  if (!(await bar.getAttribute("class"))?.includes("outside")) {
    throw new Error("a critical value is drawn inside its range");
  }
  await shot(page, "patient-lab-released");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    card.getByRole("button", { name: "Download report (PDF)" }).click(),
  ]);
  const bytes = await readFile(await download.path());
  if (bytes.subarray(0, 4).toString("latin1") !== "%PDF") {
    throw new Error(`the report is not a PDF: ${bytes.subarray(0, 16).toString("latin1")}`);
  }
  return { name: download.suggestedFilename(), size: bytes.length };
}

/**
 * On an encounter page: orders `test` (`{ search, name }`) by mistake and cancels the
 * order, refused first without a reason. Returns when the order reads cancelled.
 */
export async function doctorOrdersThenCancels(page, { test, reason, shot = noShot }) {
  const panel = page.getByRole("region", { name: "Laboratory", exact: true });
  const orders = panel.getByRole("list", { name: "Lab orders of this encounter" });
  const before = await orders.getByRole("listitem").count();
  await doctorOrdersLabTests(page, { tests: [test] });
  await orders.getByRole("listitem").nth(before).waitFor();
  // Newest first: the order just placed.
  const order = orders.getByRole("listitem").first();
  await order.getByText(test.name, { exact: true }).waitFor();
  await order.getByRole("button", { name: "Cancel the order" }).click();
  const form = order.getByRole("form", { name: "Cancel the order" });
  await form.getByRole("button", { name: "Cancel the order" }).click();
  await form.getByText("Give the reason for cancelling.").waitFor();
  await form.getByLabel("Reason for cancelling").fill(reason);
  await form.getByRole("button", { name: "Cancel the order" }).click();
  await order.getByText(`Cancelled: ${reason}`).waitFor();
  await order.locator(".rx-head").getByText("Cancelled", { exact: true }).waitFor();
  await shot(page, "doctor-lab-order-cancelled");
}

/**
 * On the order page: amends the released value of `test` (a one-parameter test) with a
 * reason, refused first without one; checks the new flag and the value it replaced.
 */
export async function technicianAmends(
  page,
  { test, value, unit, flag, previous, reason, shot = noShot },
) {
  const item = page.getByRole("region", { name: test, exact: true });
  await item.getByRole("button", { name: `Amend the results of ${test}` }).click();
  const form = item.getByRole("form", { name: `Amend the results of ${test}` });
  await form.getByLabel(/: value$/).fill(String(value));
  await form.getByLabel(/: unit$/).selectOption({ label: unit });
  await form.getByRole("button", { name: "Save the amendment" }).click();
  await form.getByText("Give the reason for the amendment.").waitFor();
  await form.getByLabel("Reason for the amendment").fill(reason);
  await form.getByRole("button", { name: "Save the amendment" }).click();
  const saved = item.getByRole("status").filter({ hasText: "Saved. The laboratory judged:" });
  await saved.locator(`[data-flag="${flag}"]`).waitFor();
  await item.getByText(`Previously ${previous}; reason: ${reason}`).waitFor();
  await shot(page, "technician-amended");
}

/** The patient's lab results: the trend of `parameter` with `points` released values. */
export async function patientSeesTrend(page, { orderId, parameter, code, points, shot = noShot }) {
  const card = page.locator(`li[data-lab-order="${orderId}"]`);
  await card
    .getByRole("button", { name: `Trend of ${parameter}` })
    .first()
    .click();
  const trend = page.locator(`[data-trend="${code}"]`);
  await trend
    .getByRole("heading", { name: new RegExp(`^${escape(parameter)} over time`) })
    .waitFor();
  await trend
    .locator("tr[data-trend-point]")
    .nth(points - 1)
    .waitFor();
  const rows = await trend.locator("tr[data-trend-point]").count();
  if (rows !== points)
    throw new Error(`the trend shows ${String(rows)} values, not ${String(points)}`);
  if (points > 1) {
    // The value's line has a dot per value (the range's steps have none).
    const dots = trend.locator("[data-trend-chart] .recharts-line-dot");
    await dots.nth(points - 1).waitFor({ state: "attached" });
    if ((await dots.count()) !== points) throw new Error("the chart does not show every value");
  }
  await shot(page, "patient-lab-trend");
  return trend;
}

/** The patient downloads a result file `name` of the released order; checks it is a PDF. */
export async function patientDownloadsFile(page, { orderId, name }) {
  const card = page.locator(`li[data-lab-order="${orderId}"]`);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    card.getByRole("button", { name: `Download ${name}` }).click(),
  ]);
  const bytes = await readFile(await download.path());
  if (bytes.subarray(0, 4).toString("latin1") !== "%PDF") {
    throw new Error(`the result file is not the PDF attached`);
  }
  return download.suggestedFilename();
}
