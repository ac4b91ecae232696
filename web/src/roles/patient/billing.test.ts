import { describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import {
  ClaimStatus,
  InvoiceStatus,
  PaymentMethod,
  PaymentStatus,
} from "@hms/sdk/hms/billing/v1/billing_pb";
import { MoneySchema } from "@hms/sdk/hms/common/v1/money_pb";
import {
  amountText,
  expiryValid,
  isCancellable,
  isPayable,
  latestClaimUpdates,
  luhnValid,
  nextAttempt,
  outcomeUnknown,
  parseAmount,
  heldByPendingCards,
  parseDay,
  refundable,
  testCardToken,
} from "./billing";

const vnd = (amountMinor: bigint) => create(MoneySchema, { amountMinor, currency: "VND" });
const now = new Date(Date.UTC(2026, 11, 6));

describe("test cards", () => {
  it("checks the number, expiry and code, and names the provider's behaviour", () => {
    const card = { expiry: "12/30", cvc: "123" };
    expect(testCardToken({ ...card, number: "4242 4242 4242 4242" }, now)).toEqual({
      ok: true,
      token: "tok_ok_4242",
      last4: "4242",
    });
    expect(testCardToken({ ...card, number: "4000000000000002" }, now)).toMatchObject({
      token: "tok_decline_0002",
    });
    expect(testCardToken({ ...card, number: "4000-0000-0000-0119" }, now)).toMatchObject({
      token: "tok_timeout_0119",
    });
    expect(testCardToken({ ...card, number: "4242 4242 4242 4241" }, now)).toEqual({
      ok: false,
      problem: "card.invalid",
    });
    expect(testCardToken({ ...card, number: "4242424242424242", expiry: "11/26" }, now)).toEqual({
      ok: false,
      problem: "card.expiry",
    });
    expect(testCardToken({ ...card, number: "4242424242424242", cvc: "12" }, now)).toEqual({
      ok: false,
      problem: "card.cvc",
    });
  });
  it("knows Luhn and expiry months", () => {
    expect(luhnValid("79927398713")).toBe(true);
    expect(luhnValid("79927398710")).toBe(false);
    expect(expiryValid("12/26", now)).toBe(true);
    expect(expiryValid("12/2026", now)).toBe(true);
    expect(expiryValid("13/30", now)).toBe(false);
    expect(expiryValid("1230", now)).toBe(false);
  });
});

describe("payment attempts", () => {
  let n = 0;
  const key = () => `key-${String(++n)}`;
  const request = { invoiceId: "inv-1", amountMinor: 150000n, token: "tok_ok_4242" };

  it("reuses the key while the same request's outcome is unknown", () => {
    const first = nextAttempt(undefined, request, key);
    expect(nextAttempt(first, { ...request }, key)).toBe(first);
  });
  it("starts a new key once settled, or for another card or amount", () => {
    const first = nextAttempt(undefined, request, key);
    expect(nextAttempt(first, { ...request, token: "tok_ok_1111" }, key).key).not.toBe(first.key);
    expect(nextAttempt(first, { ...request, amountMinor: 1n }, key).key).not.toBe(first.key);
    expect(nextAttempt({ ...first, settled: true }, request, key).key).not.toBe(first.key);
  });
  it("treats a pending or lost answer as unknown, a refusal as final", () => {
    expect(outcomeUnknown({ code: Code.Unavailable, reason: "PAYMENT_PENDING" })).toBe(true);
    expect(outcomeUnknown({ code: Code.Unavailable, reason: "" })).toBe(true);
    expect(outcomeUnknown({ code: Code.DeadlineExceeded, reason: "" })).toBe(true);
    expect(outcomeUnknown({ code: Code.FailedPrecondition, reason: "PAYMENT_DECLINED" })).toBe(
      false,
    );
    expect(outcomeUnknown({ code: Code.FailedPrecondition, reason: "OVERPAYMENT" })).toBe(false);
    expect(outcomeUnknown({ code: Code.InvalidArgument, reason: "" })).toBe(false);
  });
});

describe("amounts", () => {
  it("reads major units in the currency's minor units", () => {
    expect(parseAmount("150000", "VND")).toBe(150000n);
    expect(parseAmount("150.000", "VND")).toBe(150000n);
    expect(parseAmount("150,000", "VND")).toBe(150000n);
    expect(parseAmount("1 500 000", "VND")).toBe(1500000n);
    expect(parseAmount("12.5", "USD")).toBe(1250n);
    expect(parseAmount("12,50", "USD")).toBe(1250n);
    expect(parseAmount("1,000", "USD")).toBe(100000n);
    expect(parseAmount("0", "VND")).toBeUndefined();
    expect(parseAmount("-5", "VND")).toBeUndefined();
    expect(parseAmount("abc", "VND")).toBeUndefined();
    expect(parseAmount("15.00.0", "VND")).toBeUndefined();
  });
  it("writes minor units back as typed", () => {
    expect(amountText(150000n, "VND")).toBe("150000");
    expect(amountText(1250n, "USD")).toBe("12.50");
    expect(amountText(5n, "USD")).toBe("0.05");
  });
});

describe("invoice states", () => {
  const open = {
    status: InvoiceStatus.PENDING_PATIENT,
    total: vnd(150000n),
    balance: vnd(150000n),
    paidByPatient: vnd(0n),
    paidByInsurance: vnd(0n),
  };
  it("takes payments while open with a balance", () => {
    expect(isPayable(open)).toBe(true);
    expect(isPayable({ ...open, status: InvoiceStatus.OVERDUE })).toBe(true);
    expect(isPayable({ ...open, status: InvoiceStatus.PAID, balance: vnd(0n) })).toBe(false);
    expect(isPayable({ ...open, status: InvoiceStatus.WRITTEN_OFF })).toBe(false);
  });
  it("is cancellable only when nothing was paid or is being paid", () => {
    expect(isCancellable(open)).toBe(true);
    expect(isCancellable({ ...open, paidByPatient: vnd(1n), balance: vnd(149999n) })).toBe(false);
    // A card payment in flight lowers the balance before it is paid.
    expect(isCancellable({ ...open, balance: vnd(100000n) })).toBe(false);
  });
});

describe("refunds", () => {
  it("offers what is left of a received payment, nothing of others", () => {
    const paid = { status: PaymentStatus.SUCCESS, amount: vnd(150000n), refunded: vnd(0n) };
    expect(refundable(paid)).toBe(150000n);
    expect(refundable({ ...paid, refunded: vnd(50000n) })).toBe(100000n);
    expect(refundable({ ...paid, refunded: vnd(150000n) })).toBe(0n);
    expect(refundable({ ...paid, status: PaymentStatus.PENDING })).toBe(0n);
    expect(refundable({ ...paid, status: PaymentStatus.REFUNDED })).toBe(0n);
    expect(refundable({ status: PaymentStatus.SUCCESS, amount: vnd(1n) })).toBe(1n);
  });
});

describe("unfinished card payments", () => {
  it("hold what a new payment may replace; cash and settled payments hold nothing", () => {
    const card = (status: PaymentStatus, amountMinor: bigint) => ({
      status,
      method: PaymentMethod.CREDIT_CARD,
      amount: vnd(amountMinor),
    });
    expect(heldByPendingCards([])).toBe(0n);
    expect(
      heldByPendingCards([
        card(PaymentStatus.PENDING, 100000n),
        card(PaymentStatus.PENDING, 50000n),
        card(PaymentStatus.SUCCESS, 20000n),
        { status: PaymentStatus.PENDING, method: PaymentMethod.CASH, amount: vnd(7n) },
      ]),
    ).toBe(150000n);
  });
});

describe("claim updates", () => {
  it("keeps the newest status of each claim, newest first", () => {
    const updates = latestClaimUpdates([
      { subject: "Insurance claim updated", body: "Claim CLM-202612-000001: PROCESSING.", at: 1 },
      { subject: "Insurance claim updated", body: "Claim CLM-202612-000001: APPROVED.", at: 3 },
      { subject: "Cập nhật hồ sơ bảo hiểm", body: "Hồ sơ CLM-202612-000002: REJECTED.", at: 2 },
      { subject: "Payment received", body: "150,000 VND for invoice INV-1.", at: 4 },
    ]);
    expect(updates).toEqual([
      { claimNumber: "CLM-202612-000001", status: ClaimStatus.APPROVED, at: 3 },
      { claimNumber: "CLM-202612-000002", status: ClaimStatus.REJECTED, at: 2 },
    ]);
  });
});

describe("days", () => {
  it("reads real calendar days only", () => {
    expect(parseDay("2026-12-31")).toEqual({ year: 2026, month: 12, day: 31 });
    expect(parseDay("2026-02-30")).toBeUndefined();
    expect(parseDay("31/12/2026")).toBeUndefined();
  });
});
