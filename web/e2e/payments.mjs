// The card providers in a real browser: Stripe (against localstripe, a local server speaking
// Stripe's API and serving its copy of Stripe.js) for USD and VNPay (against the local VNPay
// page and merchant API below) for VND, each switched on in an `hms up` of this walk's own.
// A patient has a card declined, pays part of an invoice in Stripe's card field, pays the
// rest with a card whose bank asks for 3-D Secure, and pays a VND invoice on VNPay's page
// and comes back; billing staff refund part of a card payment at the desk and the patient
// sees it. Screenshots go to target/web-e2e/payments/.
//
//   node --preserve-symlinks web/e2e/payments.mjs     (after `cargo build -p hms`)
//
// It starts localstripe (`python3 -m pip install localstripe`) and `target/debug/hms up`
// (HMS_BIN to use another) itself. localstripe's Stripe.js leaves createPaymentMethod out;
// the walk fills it in (a PaymentMethod made with localstripe's API, as Stripe.js makes one
// with Stripe's), and labels its plain inputs, which Stripe's real field does in its frame.
import { spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const STRIPE_SECRET = "sk_test_hmswalk";
const STRIPE_PUBLISHABLE = "pk_test_hmswalk";
const VNPAY_TMN = "HMSWALK1";
const VNPAY_SECRET = "HMSWALKVNPAYSECRETHMSWALKVNPAY01";
const ADMIN_PASSWORD = "payments-walk-admin-password";

/** A port nobody listens on now. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(what, f, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await f().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// ---- VNPay's side: its payment page and merchant API, signing as API 2.1.0 says ----

const hmac = (data) => createHmac("sha512", VNPAY_SECRET).update(data).digest("hex");

/** The signed data of a query: vnp_ parameters but the hash, sorted, form-encoded. */
function signingData(params) {
  const kept = [...params.entries()]
    .filter(([k, v]) => k.startsWith("vnp_") && !k.startsWith("vnp_SecureHash") && v !== "")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new URLSearchParams(kept).toString();
}

function startVnpay() {
  const txns = new Map();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://vnpay.local");
    if (req.method === "GET" && url.pathname === "/paymentv2/vpcpay.html") {
      // VNPay's page checks the merchant's signature before it shows anything.
      if (hmac(signingData(url.searchParams)) !== url.searchParams.get("vnp_SecureHash")) {
        res.writeHead(400).end("Sai chữ ký (invalid checksum)");
        return;
      }
      const outcome = url.searchParams.get("outcome");
      if (outcome) {
        const ref = url.searchParams.get("vnp_TxnRef");
        const amount = url.searchParams.get("vnp_Amount");
        const status = outcome === "pay" ? "00" : "02";
        const transactionNo = String(14_000_000 + txns.size);
        txns.set(ref, { amount, status, transactionNo });
        const back = new URLSearchParams({
          vnp_Amount: amount,
          vnp_BankCode: "NCB",
          vnp_CardType: "ATM",
          vnp_OrderInfo: url.searchParams.get("vnp_OrderInfo") ?? "",
          vnp_PayDate: "20261207103000",
          vnp_ResponseCode: outcome === "pay" ? "00" : "24",
          vnp_TmnCode: VNPAY_TMN,
          vnp_TransactionNo: transactionNo,
          vnp_TransactionStatus: status,
          vnp_TxnRef: ref,
        });
        const data = signingData(back);
        const target = `${url.searchParams.get("vnp_ReturnUrl")}?${data}&vnp_SecureHash=${hmac(data)}`;
        res.writeHead(302, { location: target }).end();
        return;
      }
      const choose = (label, value) => {
        const next = new URLSearchParams(url.searchParams);
        next.set("outcome", value);
        return `<a href="?${next.toString().replace(/&/g, "&amp;")}">${label}</a>`;
      };
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        `<!doctype html><html lang="vi"><title>VNPay</title><main><h1>Cổng thanh toán VNPay</h1>` +
          `<p>Số tiền: ${Number(url.searchParams.get("vnp_Amount")) / 100} VND</p>` +
          `<p>${choose("Thanh toán", "pay")} ${choose("Hủy giao dịch", "cancel")}</p></main></html>`,
      );
      return;
    }
    if (req.method === "POST" && url.pathname === "/merchant_webapi/api/transaction") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const ask = JSON.parse(body || "{}");
      const t = txns.get(ask.vnp_TxnRef);
      const fields = [
        ["vnp_ResponseId", randomUUID().replace(/-/g, "")],
        ["vnp_Command", ask.vnp_Command],
        ["vnp_ResponseCode", t ? "00" : "91"],
        ["vnp_Message", "ok"],
        ["vnp_TmnCode", VNPAY_TMN],
        ["vnp_TxnRef", ask.vnp_TxnRef ?? ""],
        ["vnp_Amount", t?.amount ?? ""],
        ["vnp_BankCode", "NCB"],
        ["vnp_PayDate", "20261207103000"],
        ["vnp_TransactionNo", t?.transactionNo ?? ""],
        ["vnp_TransactionType", ask.vnp_TransactionType ?? "01"],
        ["vnp_TransactionStatus", t?.status ?? ""],
        ["vnp_OrderInfo", "Thanh toan hoa don"],
      ];
      if (ask.vnp_Command === "querydr") {
        fields.push(["vnp_PromotionCode", ""], ["vnp_PromotionAmount", ""]);
      }
      const answer = Object.fromEntries(fields);
      answer.vnp_SecureHash = hmac(fields.map(([, v]) => v).join("|"));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// ---- localstripe's Stripe.js, completed ----

const stripeShim = `
;(() => {
  const localStripe = window.Stripe;
  window.Stripe = (key) => {
    const stripe = localStripe(key);
    const elements = stripe.elements;
    stripe.elements = () => {
      const made = elements();
      const create = made.create.bind(made);
      made.create = (type, options) => {
        const element = create(type, options);
        const mount = element.mount.bind(element);
        element.mount = (target) => {
          mount(target);
          for (const input of element._inputs ? Object.values(element._inputs) : []) {
            input.setAttribute("aria-label", "card " + input.getAttribute("placeholder"));
          }
        };
        return element;
      };
      return made;
    };
    stripe.createPaymentMethod = async ({ card }) =>
      window.localstripeCreatePaymentMethod(card.value ? card.value.card : null);
    return stripe;
  };
})();
`;

async function createPaymentMethod(stripeUrl, card) {
  if (!card) return { error: { message: "Your card number is incomplete." } };
  const body = new URLSearchParams({
    type: "card",
    "card[number]": card.number,
    "card[exp_month]": card.exp_month,
    "card[exp_year]": card.exp_year,
    "card[cvc]": card.cvc,
  });
  const response = await fetch(`${stripeUrl}/v1/payment_methods`, {
    method: "POST",
    headers: { authorization: `Bearer ${STRIPE_SECRET}` },
    body,
  });
  const made = await response.json();
  return response.ok ? { paymentMethod: made } : { error: made.error ?? { message: "declined" } };
}

// ---- the system under test ----

const stripePort = await freePort();
const stripeUrl = `http://127.0.0.1:${stripePort}`;
const localstripe = spawn("localstripe", ["--port", String(stripePort), "--from-scratch"], {
  stdio: "ignore",
});
await waitFor("localstripe", async () => (await fetch(`${stripeUrl}/js.stripe.com/v3/`)).ok);
const vnpay = await startVnpay();
const vnpayUrl = `http://127.0.0.1:${vnpay.address().port}`;

const gatewayPort = await freePort();
const web = `http://127.0.0.1:${gatewayPort}`;
const data = mkdtempSync(join(tmpdir(), "hms-payments-"));
const anyPort = "127.0.0.1:0";
const hms = spawn(process.env.HMS_BIN ?? join(root, "target", "debug", "hms"), ["up"], {
  stdio: ["ignore", "ignore", "inherit"],
  env: {
    ...process.env,
    RUST_LOG: "warn",
    HMS_DATA_DIR: data,
    HMS_GATEWAY__LISTEN: `127.0.0.1:${gatewayPort}`,
    HMS_USER__SERVER__LISTEN: anyPort,
    HMS_NOTIFICATION__SERVER__LISTEN: anyPort,
    HMS_APPOINTMENT__SERVER__LISTEN: anyPort,
    HMS_EHR__SERVER__LISTEN: anyPort,
    HMS_PHARMACY__SERVER__LISTEN: anyPort,
    HMS_LABORATORY__SERVER__LISTEN: anyPort,
    HMS_BILLING__SERVER__LISTEN: anyPort,
    HMS_ADMIN__SERVER__LISTEN: anyPort,
    HMS_USER__INITIAL_ADMIN__PASSWORD: ADMIN_PASSWORD,
    HMS_GATEWAY__RATE_LIMIT__STRICT_PER_ADDRESS: "1000",
    HMS_BILLING__PAYMENT_PROVIDERS__USD: "stripe",
    HMS_BILLING__PAYMENT_PROVIDERS__VND: "vnpay",
    HMS_BILLING__STRIPE__API_BASE: stripeUrl,
    HMS_BILLING__STRIPE__JS_URL: `${stripeUrl}/js.stripe.com/v3/`,
    HMS_BILLING__STRIPE__SECRET_KEY: STRIPE_SECRET,
    HMS_BILLING__STRIPE__PUBLISHABLE_KEY: STRIPE_PUBLISHABLE,
    HMS_BILLING__VNPAY__TMN_CODE: VNPAY_TMN,
    HMS_BILLING__VNPAY__HASH_SECRET: VNPAY_SECRET,
    HMS_BILLING__VNPAY__PAY_URL: `${vnpayUrl}/paymentv2/vpcpay.html`,
    HMS_BILLING__VNPAY__API_URL: `${vnpayUrl}/merchant_webapi/api/transaction`,
    HMS_BILLING__VNPAY__RETURN_URL: `${web}/payments/vnpay/return`,
  },
});
const stopAll = () => {
  hms.kill("SIGTERM");
  localstripe.kill("SIGTERM");
  vnpay.close();
};
try {
  await waitFor("hms up", async () => (await fetch(`${web}/api/v1/users/keys`)).ok);
  process.env.HMS_WEB_URL = web;
  const { walkPayments } = await import("./steps/payments.mjs");
  await walkPayments({
    adminPassword: ADMIN_PASSWORD,
    stripeUrl,
    stripeSecret: STRIPE_SECRET,
    stripeShim,
    createPaymentMethod,
  });
} finally {
  stopAll();
  rmSync(data, { recursive: true, force: true });
}
