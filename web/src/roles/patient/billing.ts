// What the invoice, payment and insurance screens derive from the billing service's
// answers: status labels, which invoices take a payment or a claim, the test provider's
// card tokens, one idempotency key per payment attempt (kept for its retries), amounts
// typed in major units, and claim updates read from the patient's notifications.
import { Code } from "@connectrpc/connect";
import {
  ClaimStatus,
  InvoiceStatus,
  PaymentMethod,
  PaymentStatus,
  type Invoice,
  type Payment,
} from "@hms/sdk/hms/billing/v1/billing_pb";
import type { MessageKey } from "../../i18n";
import type { Problem } from "../../api/errors";
import { minorDigits } from "../../format";

const invoiceStatusKeys: Record<InvoiceStatus, MessageKey> = {
  [InvoiceStatus.UNSPECIFIED]: "inv.status.UNSPECIFIED",
  [InvoiceStatus.DRAFT]: "inv.status.DRAFT",
  [InvoiceStatus.PENDING_PATIENT]: "inv.status.PENDING_PATIENT",
  [InvoiceStatus.PENDING_INSURANCE]: "inv.status.PENDING_INSURANCE",
  [InvoiceStatus.PARTIALLY_PAID]: "inv.status.PARTIALLY_PAID",
  [InvoiceStatus.PAID]: "inv.status.PAID",
  [InvoiceStatus.OVERDUE]: "inv.status.OVERDUE",
  [InvoiceStatus.CANCELLED]: "inv.status.CANCELLED",
  [InvoiceStatus.WRITTEN_OFF]: "inv.status.WRITTEN_OFF",
};

export function invoiceStatusLabel(status: InvoiceStatus): MessageKey {
  return invoiceStatusKeys[status] ?? "inv.status.UNSPECIFIED";
}

const claimStatusKeys: Record<ClaimStatus, MessageKey> = {
  [ClaimStatus.UNSPECIFIED]: "claim.status.UNSPECIFIED",
  [ClaimStatus.SUBMITTED]: "claim.status.SUBMITTED",
  [ClaimStatus.PROCESSING]: "claim.status.PROCESSING",
  [ClaimStatus.AWAITING_DOCUMENTS]: "claim.status.AWAITING_DOCUMENTS",
  [ClaimStatus.APPROVED]: "claim.status.APPROVED",
  [ClaimStatus.PARTIALLY_APPROVED]: "claim.status.PARTIALLY_APPROVED",
  [ClaimStatus.REJECTED]: "claim.status.REJECTED",
  [ClaimStatus.PAID_BY_INSURER]: "claim.status.PAID_BY_INSURER",
  [ClaimStatus.CLOSED]: "claim.status.CLOSED",
};

export function claimStatusLabel(status: ClaimStatus): MessageKey {
  return claimStatusKeys[status] ?? "claim.status.UNSPECIFIED";
}

const methodKeys: Record<PaymentMethod, MessageKey> = {
  [PaymentMethod.UNSPECIFIED]: "pay.method.UNSPECIFIED",
  [PaymentMethod.CASH]: "pay.method.CASH",
  [PaymentMethod.CREDIT_CARD]: "pay.method.CREDIT_CARD",
  [PaymentMethod.BANK_TRANSFER]: "pay.method.BANK_TRANSFER",
  [PaymentMethod.INSURANCE_PAYOUT]: "pay.method.INSURANCE_PAYOUT",
  [PaymentMethod.VOUCHER]: "pay.method.VOUCHER",
};

export function paymentMethodLabel(method: PaymentMethod): MessageKey {
  return methodKeys[method] ?? "pay.method.UNSPECIFIED";
}

const paymentStatusKeys: Record<PaymentStatus, MessageKey> = {
  [PaymentStatus.UNSPECIFIED]: "pay.status.UNSPECIFIED",
  [PaymentStatus.PENDING]: "pay.status.PENDING",
  [PaymentStatus.SUCCESS]: "pay.status.SUCCESS",
  [PaymentStatus.FAILED]: "pay.status.FAILED",
  [PaymentStatus.REFUNDED]: "pay.status.REFUNDED",
};

export function paymentStatusLabel(status: PaymentStatus): MessageKey {
  return paymentStatusKeys[status] ?? "pay.status.UNSPECIFIED";
}

/** The statuses that take payments, discounts, claims and a write-off (billing's OPEN). */
export const OPEN_STATUSES: readonly InvoiceStatus[] = [
  InvoiceStatus.PENDING_PATIENT,
  InvoiceStatus.PENDING_INSURANCE,
  InvoiceStatus.PARTIALLY_PAID,
  InvoiceStatus.OVERDUE,
];

export function isOpen(invoice: Pick<Invoice, "status">): boolean {
  return OPEN_STATUSES.includes(invoice.status);
}

/** The open balance in minor units (0 when unknown). */
export function balanceOf(invoice: Pick<Invoice, "balance">): bigint {
  return invoice.balance?.amountMinor ?? 0n;
}

/** An open invoice with something left to pay. */
export function isPayable(invoice: Pick<Invoice, "status" | "balance">): boolean {
  return isOpen(invoice) && balanceOf(invoice) > 0n;
}

/** Nothing was paid and nothing is being paid: an admin may cancel it. */
export function isCancellable(
  invoice: Pick<Invoice, "status" | "total" | "balance" | "paidByPatient" | "paidByInsurance">,
): boolean {
  const paid =
    (invoice.paidByPatient?.amountMinor ?? 0n) + (invoice.paidByInsurance?.amountMinor ?? 0n);
  return (
    isOpen(invoice) && paid === 0n && balanceOf(invoice) === (invoice.total?.amountMinor ?? 0n)
  );
}

/**
 * What card payments still waiting for their payer hold of the balance (minor units): a
 * payer who left the bank's or VNPay's page may start again, and billing gives the
 * unfinished payment up first.
 */
export function heldByPendingCards(
  payments: Pick<Payment, "status" | "method" | "amount">[],
): bigint {
  return payments
    .filter((p) => p.status === PaymentStatus.PENDING && p.method === PaymentMethod.CREDIT_CARD)
    .reduce((sum, p) => sum + (p.amount?.amountMinor ?? 0n), 0n);
}

/** What may still be refunded of a payment (minor units); 0 when nothing. */
export function refundable(p: Pick<Payment, "status" | "amount" | "refunded">): bigint {
  if (p.status !== PaymentStatus.SUCCESS) return 0n;
  const left = (p.amount?.amountMinor ?? 0n) - (p.refunded?.amountMinor ?? 0n);
  return left > 0n ? left : 0n;
}

// ---- card tokens of the built-in test provider ----

/**
 * Test cards of the built-in payment provider (billing.payment_provider = "test"). A real
 * provider tokenises the number in its own script; the test provider's tokens say what the
 * charge does: `tok_ok_<last4>`, `tok_decline_<last4>`, `tok_timeout_<last4>`.
 */
export const TEST_CARDS = {
  ok: "4242 4242 4242 4242",
  decline: "4000 0000 0000 0002",
  timeout: "4000 0000 0000 0119",
} as const;

/** The Luhn check every card number passes. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

export type CardCheck =
  | { ok: true; token: string; last4: string }
  | { ok: false; problem: "card.invalid" | "card.expiry" | "card.cvc" };

/** "MM/YY" in the future (this month counts). */
export function expiryValid(text: string, now: Date): boolean {
  const m = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(text);
  if (!m) return false;
  const month = Number(m[1]);
  const yearText = m[2] ?? "";
  const year = yearText.length === 2 ? 2000 + Number(yearText) : Number(yearText);
  if (month < 1 || month > 12) return false;
  return year * 12 + month >= now.getUTCFullYear() * 12 + now.getUTCMonth() + 1;
}

/** The test provider's token for a card, or what is wrong with it. */
export function testCardToken(
  card: { number: string; expiry: string; cvc: string },
  now: Date,
): CardCheck {
  const digits = card.number.replace(/[\s-]/g, "");
  if (!/^\d{12,19}$/.test(digits) || !luhnValid(digits))
    return { ok: false, problem: "card.invalid" };
  if (!expiryValid(card.expiry, now)) return { ok: false, problem: "card.expiry" };
  if (!/^\d{3,4}$/.test(card.cvc.trim())) return { ok: false, problem: "card.cvc" };
  const last4 = digits.slice(-4);
  const behaviour =
    digits === TEST_CARDS.decline.replace(/ /g, "")
      ? "decline"
      : digits === TEST_CARDS.timeout.replace(/ /g, "")
        ? "timeout"
        : "ok";
  return { ok: true, token: `tok_${behaviour}_${last4}`, last4 };
}

// ---- idempotency keys ----

/** One intended payment: its key is sent with every try of the same request. */
export interface PaymentAttempt {
  key: string;
  invoiceId: string;
  amountMinor: bigint;
  token: string;
  /** Set once the service answered for good (paid or declined): the key is spent. */
  settled: boolean;
}

/**
 * The attempt to send: the previous one again (same key) when it is the same request and
 * its outcome is still unknown, otherwise a new attempt under a new key. A different card
 * or amount under a used key would be refused as IDEMPOTENCY_KEY_REUSED.
 */
export function nextAttempt(
  previous: PaymentAttempt | undefined,
  request: { invoiceId: string; amountMinor: bigint; token: string },
  newKey: () => string,
): PaymentAttempt {
  if (
    previous &&
    !previous.settled &&
    previous.invoiceId === request.invoiceId &&
    previous.amountMinor === request.amountMinor &&
    previous.token === request.token
  ) {
    return previous;
  }
  return { ...request, key: newKey(), settled: false };
}

/**
 * Whether a refused payment's outcome is still unknown, so the same request must be retried
 * under the same key: the provider did not confirm it (PAYMENT_PENDING), or the answer was
 * lost on the way (unreachable, timed out, cut off).
 */
export function outcomeUnknown(problem: Pick<Problem, "code" | "reason">): boolean {
  if (problem.reason === "PAYMENT_PENDING") return true;
  if (problem.reason) return false;
  return [
    Code.Unavailable,
    Code.DeadlineExceeded,
    Code.Unknown,
    Code.Canceled,
    Code.Internal,
  ].includes(problem.code);
}

const ATTEMPT_PREFIX = "hms.pay.";

/**
 * Keeps the attempt that sent the payer to the provider's page (VNPay), for the tab's
 * session: a payer who comes back without paying continues it (the same key brings the
 * same payment page) instead of starting a second payment while the first holds the amount.
 */
export function rememberAttempt(attempt: PaymentAttempt): void {
  const { amountMinor, ...rest } = attempt;
  sessionStorage.setItem(
    ATTEMPT_PREFIX + attempt.invoiceId,
    JSON.stringify({ ...rest, amountMinor: amountMinor.toString() }),
  );
}

export function rememberedAttempt(invoiceId: string): PaymentAttempt | undefined {
  try {
    const saved = JSON.parse(sessionStorage.getItem(ATTEMPT_PREFIX + invoiceId) ?? "null") as {
      key: string;
      token: string;
      amountMinor: string;
    } | null;
    if (!saved || typeof saved.key !== "string") return undefined;
    return {
      key: saved.key,
      invoiceId,
      token: saved.token,
      amountMinor: BigInt(saved.amountMinor),
      settled: false,
    };
  } catch {
    return undefined;
  }
}

export function forgetAttempt(invoiceId: string): void {
  sessionStorage.removeItem(ATTEMPT_PREFIX + invoiceId);
}

/** A fresh idempotency key (36 characters; the service takes 8 to 64). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

// ---- amounts ----

/**
 * An amount typed in major units ("150000", "150.000", "12.50" for USD) in minor units, or
 * undefined when it is not a positive amount the currency can hold. For a currency with
 * minor digits, a last "." or "," followed by at most that many digits is the decimal
 * point; every other "." or "," (and space) is a group separator.
 */
export function parseAmount(text: string, currency: string): bigint | undefined {
  const digits = minorDigits(currency || "VND");
  const s = text.replace(/[\s\u00a0]/g, "");
  if (!/^\d[\d.,]*$/.test(s)) return undefined;
  let whole = s;
  let fraction = "";
  const m = digits > 0 ? new RegExp(`^(.*)[.,](\\d{1,${digits}})$`).exec(s) : null;
  if (m) {
    whole = m[1] ?? "";
    fraction = m[2] ?? "";
  }
  if (!/^\d{1,3}([.,]\d{3})*$|^\d+$/.test(whole)) return undefined;
  const minor = BigInt(whole.replace(/[.,]/g, "") + fraction.padEnd(digits, "0"));
  return minor > 0n ? minor : undefined;
}

/** Minor units as the plain number a person types in major units: 150000 → "150000". */
export function amountText(minor: bigint, currency: string): string {
  const digits = minorDigits(currency || "VND");
  if (digits === 0) return minor.toString();
  const s = minor.toString().padStart(digits + 1, "0");
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

// ---- claim updates ----

export interface ClaimUpdate {
  claimNumber: string;
  status: ClaimStatus;
  at: number;
}

const claimStatusByName: Record<string, ClaimStatus> = {
  SUBMITTED: ClaimStatus.SUBMITTED,
  PROCESSING: ClaimStatus.PROCESSING,
  AWAITING_DOCUMENTS: ClaimStatus.AWAITING_DOCUMENTS,
  APPROVED: ClaimStatus.APPROVED,
  PARTIALLY_APPROVED: ClaimStatus.PARTIALLY_APPROVED,
  REJECTED: ClaimStatus.REJECTED,
  PAID_BY_INSURER: ClaimStatus.PAID_BY_INSURER,
  CLOSED: ClaimStatus.CLOSED,
};

/**
 * The latest status of each claim, newest first, from the bodies of the patient's
 * claim-status notifications ("Claim CLM-202612-000001: APPROVED."), which are the only
 * place a patient learns of an insurer's decision (billing has no patient-side claim list).
 */
export function latestClaimUpdates(
  notes: { body: string; subject: string; at: number }[],
): ClaimUpdate[] {
  const latest = new Map<string, ClaimUpdate>();
  for (const n of notes) {
    const m = /(CLM-[A-Za-z0-9-]+)\W+([A-Z_]{4,})/.exec(`${n.body} ${n.subject}`);
    const claimNumber = m?.[1] ?? "";
    const status = claimStatusByName[m?.[2] ?? ""];
    if (!claimNumber || status === undefined) continue;
    const seen = latest.get(claimNumber);
    if (!seen || seen.at < n.at) latest.set(claimNumber, { claimNumber, status, at: n.at });
  }
  return [...latest.values()].sort((a, b) => b.at - a.at);
}

// ---- dates typed as YYYY-MM-DD ----

export function parseDay(text: string): { year: number; month: number; day: number } | undefined {
  const m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$/.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
    return undefined;
  }
  return { year, month, day };
}
