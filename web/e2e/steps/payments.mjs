// The steps of the payments walk (e2e/payments.mjs starts what they run against): a patient
// pays a USD invoice through Stripe's card field (a decline, a payment in part, the rest with
// 3-D Secure) and a VND invoice on VNPay's page (cancelled once, left once, then paid);
// billing staff refund part of a card payment; the patient sees the refund.
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { UserService } from "@hms/sdk/hms/user/v1/user_pb";
import { BillingService, ItemType } from "@hms/sdk/hms/billing/v1/billing_pb";
import { base, walk } from "../harness.mjs";

const CARDS = {
  ok: "4242424242424242",
  declined: "4000000000000341",
  threeDSecure: "4000002760003184",
};

/** Types a card into localstripe's field in the open dialog. */
async function typeCard(dialog, number) {
  await dialog.getByLabel("card number").fill(number);
  await dialog.getByLabel("card exp_month").fill("12");
  await dialog.getByLabel("card exp_year").fill("30");
  await dialog.getByLabel("card cvc").fill("123");
}

async function openInvoice(page, invoice) {
  await page.goto(`${base}/invoices/${invoice.id}`);
  await page.getByRole("heading", { name: `Invoice ${invoice.invoiceNumber}` }).waitFor();
}

export async function walkPayments({
  adminPassword,
  stripeUrl,
  stripeSecret,
  stripeShim,
  createPaymentMethod,
}) {
  const suffix = String(Date.now() % 1_000_000);
  const transport = createGrpcWebTransport({ baseUrl: base });
  const users = createClient(UserService, transport);
  const billing = createClient(BillingService, transport);
  const admin = (await users.login({ username: "admin", password: adminPassword })).tokens;
  const asAdmin = { headers: { authorization: `Bearer ${admin.accessToken}` } };
  const mai = {
    username: `mai.pay.${suffix}`,
    password: `pw-Mai-${suffix}-long`,
    email: `mai.pay.${suffix}@example.com`,
  };
  const { user } = await users.register({
    ...mai,
    firstName: "Mai",
    lastName: "Đỗ",
    preferredLanguage: "en",
  });
  const invoiceFor = async (currency, unitPriceMinor, description) =>
    (
      await billing.createManualInvoice(
        {
          patientId: user.id,
          currency,
          items: [{ type: ItemType.OTHER_SERVICE, description, quantity: 1n, unitPriceMinor }],
          idempotencyKey: `walk-${currency}-${suffix}`,
        },
        asAdmin,
      )
    ).invoice;
  const usd = await invoiceFor("USD", 3000n, "Travel vaccination consult");
  const vnd = await invoiceFor("VND", 150000n, "Khám tổng quát");

  await walk("payments", async (h) => {
    const page = await h.newPage();
    await page
      .context()
      .exposeFunction("localstripeCreatePaymentMethod", (card) =>
        createPaymentMethod(stripeUrl, card),
      );
    await page.route("**/js.stripe.com/v3/", async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, body: (await response.text()) + stripeShim });
    });
    await h.signIn(page, mai.username, mai.password);

    // Stripe: a declined card, then 10 dollars of the 30 with a card that goes through.
    await openInvoice(page, usd);
    await page.getByRole("button", { name: "Pay", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("card number").waitFor();
    await dialog.getByLabel(/^Amount/).fill("10.00");
    await typeCard(dialog, CARDS.declined);
    await dialog.getByRole("button", { name: /^Pay / }).click();
    await dialog.getByText(/The card was declined/).waitFor();
    await h.shot(page, "stripe-declined");
    await typeCard(dialog, CARDS.ok);
    await dialog.getByRole("button", { name: /^Pay / }).click();
    await dialog.getByText(/^Paid .*10\.00 with the card ending 4242/).waitFor();
    await h.shot(page, "stripe-paid-in-part");
    await dialog.getByRole("button", { name: "Close" }).click();
    await page.getByText("Partly paid").first().waitFor();

    // The rest with a card whose bank asks for 3-D Secure: Stripe.js runs the bank's step.
    await page.getByRole("button", { name: "Pay", exact: true }).click();
    await typeCard(dialog, CARDS.threeDSecure);
    await dialog.getByRole("button", { name: /^Pay / }).click();
    // localstripe's stand-in for the bank's page, outside the dialog.
    const bank = page.locator("button", { hasText: "Complete authentication" });
    await bank.waitFor();
    await bank.dispatchEvent("click");
    await dialog.getByText(/^Paid .*20\.00 with the card ending 3184/).waitFor();
    await dialog.getByRole("button", { name: "Close" }).click();
    await page.getByText("Nothing left to pay.").waitFor();
    await h.shot(page, "stripe-paid");

    // VNPay: its own page, left once without paying, then paid.
    const outcomes = [
      ["Hủy giao dịch", /^VNPay did not take the payment/, "vnpay-cancelled"],
      ["Thanh toán", /^VNPay confirmed your payment of .*150,000/, "vnpay-returned"],
    ];
    for (const [choice, told, shot] of outcomes) {
      await openInvoice(page, vnd);
      await page.getByRole("button", { name: "Pay", exact: true }).click();
      await dialog.getByText("You will pay on VNPay's page").waitFor();
      await dialog.getByRole("button", { name: /^Pay .* with VNPay$/ }).click();
      await page.getByRole("heading", { name: "Cổng thanh toán VNPay" }).waitFor();
      if (choice === "Thanh toán") {
        // First the patient leaves VNPay's page without a choice and comes back to the
        // invoice: the unfinished payment holds the amount, and paying again continues it.
        await openInvoice(page, vnd);
        await page.getByText(/is still being confirmed\. If you left the payment page/).waitFor();
        await h.shot(page, "vnpay-left");
        await page.getByRole("button", { name: "Pay", exact: true }).click();
        await dialog.getByRole("button", { name: /^Pay .*150,000 with VNPay$/ }).click();
        await page.getByRole("heading", { name: "Cổng thanh toán VNPay" }).waitFor();
      }
      await page.getByRole("link", { name: choice }).click();
      await page.waitForURL(/\/payments\/vnpay\/return\?/);
      await page.getByText(told).waitFor();
      await h.shot(page, shot);
    }
    await page.getByRole("link", { name: "Back to the invoice" }).click();
    await page.getByText("Nothing left to pay.").waitFor();

    // Billing staff refund 5 dollars of the first card payment.
    const desk = await h.newPage();
    await h.signIn(desk, "admin", adminPassword);
    await desk.goto(`${base}/billing/invoices/${usd.id}`);
    const payment = desk.getByRole("listitem").filter({ hasText: "card ending 4242" });
    await payment.getByRole("button", { name: "Refund" }).click();
    const refund = desk.getByRole("dialog");
    await refund.getByLabel(/^Amount/).fill("5.00");
    await refund.getByLabel("Reason").fill("Second dose not given");
    await refund.getByRole("button", { name: "Review" }).click();
    await refund.getByRole("button", { name: "Confirm" }).click();
    await refund.getByText(/^Refunded .*5\.00\. The invoice now has .*5\.00 open\./).waitFor();
    await h.shot(desk, "refunded");
    const refunds = await (
      await fetch(`${stripeUrl}/v1/refunds`, {
        headers: { authorization: `Bearer ${stripeSecret}` },
      })
    ).json();
    if (refunds.data?.length !== 1 || refunds.data[0].amount !== 500) {
      throw new Error(`Stripe should hold one refund of 500 cents: ${JSON.stringify(refunds)}`);
    }

    // The patient sees it on the invoice.
    await openInvoice(page, usd);
    await page.getByRole("list", { name: "Refunds" }).getByText("Second dose not given").waitFor();
    await page.getByText("Partly paid").first().waitFor();
    await h.shot(page, "patient-sees-refund");
  });
}
