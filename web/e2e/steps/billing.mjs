// Billing steps other walks reuse. `payInvoice(page, harness, { item })`: a signed-in
// patient's page pays its newest unpaid invoice in full by card (the test provider's 4242
// card), through the invoice list, the invoice and the payment dialog; with `item`, the
// newest unpaid one listing that item (e.g. a dispensed medication's name). It waits for the
// invoice to appear (a completed appointment's or a dispense's invoice is made
// asynchronously) and returns its number. The page must be in English (the step finds
// controls by their English names).
import { base } from "../harness.mjs";

export const TEST_CARD = { number: "4242 4242 4242 4242", expiry: "12/30", cvc: "123" };
export const DECLINED_CARD = { number: "4000 0000 0000 0002", expiry: "12/30", cvc: "123" };

/**
 * Opens the invoice list and waits (reloading) for an unpaid invoice, with `item` among its
 * lines when given; returns its link.
 */
export async function newestUnpaid(page, timeoutMs = 30_000, { item } = {}) {
  const deadline = Date.now() + timeoutMs;
  await page.goto(`${base}/invoices`);
  for (;;) {
    const scope = item ? page.locator("li.invoice", { hasText: item }) : page;
    const link = scope.getByRole("link", { name: /^Pay: / }).first();
    try {
      await link.waitFor({ timeout: 2_000 });
      return link;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await page.reload();
    }
  }
}

/** Fills the open payment dialog with `card` (and `amount` when given) and submits it. */
export async function submitCard(page, card, amount) {
  const dialog = page.getByRole("dialog");
  if (amount !== undefined) await dialog.getByLabel(/^Amount/).fill(String(amount));
  await dialog.getByLabel("Card number").fill(card.number);
  await dialog.getByLabel("Expiry (MM/YY)").fill(card.expiry);
  await dialog.getByLabel("Security code").fill(card.cvc);
  await dialog.getByRole("button", { name: /^Pay / }).click();
}

export async function payInvoice(page, harness, { item, timeoutMs = 30_000 } = {}) {
  const link = await newestUnpaid(page, timeoutMs, { item });
  const number = ((await link.getAttribute("aria-label")) ?? "").replace(/^Pay: /, "");
  await link.click();
  await page.getByRole("heading", { name: `Invoice ${number}` }).waitFor();
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await submitCard(page, TEST_CARD);
  const dialog = page.getByRole("dialog");
  await dialog.getByText(/^Paid .* with the card ending 4242/).waitFor();
  await harness.shot(page, "invoice-paid");
  await dialog.getByRole("button", { name: "Close" }).click();
  await page.getByText("Nothing left to pay.").waitFor();
  return number;
}
