import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { InvoiceSchema, InvoiceStatus, SourceType } from "@hms/sdk/hms/billing/v1/billing_pb";
import { deskActions, filtersFrom, filtersParams } from "./desk";

const vnd = (amountMinor: bigint) => ({ amountMinor, currency: "VND" });

describe("desk filters", () => {
  it("round-trip through the URL, leaving out what is not set", () => {
    const f = {
      status: InvoiceStatus.OVERDUE,
      source: SourceType.APPOINTMENT,
      prefix: " inv-202612 ",
      patientId: "",
    };
    const params = filtersParams(f);
    expect(params).toEqual({ status: "OVERDUE", source: "APPOINTMENT", number: "INV-202612" });
    expect(filtersFrom(new URLSearchParams(params))).toEqual({ ...f, prefix: "INV-202612" });
    expect(filtersFrom(new URLSearchParams("status=NOPE"))).toEqual({
      status: undefined,
      source: SourceType.UNSPECIFIED,
      prefix: "",
      patientId: "",
    });
  });
});

describe("desk actions", () => {
  const invoice = (status: InvoiceStatus, paid: bigint, total = 150000n) =>
    create(InvoiceSchema, {
      status,
      total: vnd(total),
      paidByPatient: vnd(paid),
      paidByInsurance: vnd(0n),
      balance: vnd(total - paid),
    });
  it("offer everything on an unpaid invoice", () => {
    expect(deskActions(invoice(InvoiceStatus.PENDING_PATIENT, 0n))).toEqual([
      "discount",
      "payment",
      "writeOff",
      "cancel",
    ]);
  });
  it("no cancel once something is paid; nothing on a closed invoice", () => {
    expect(deskActions(invoice(InvoiceStatus.PARTIALLY_PAID, 50000n))).toEqual([
      "discount",
      "payment",
      "writeOff",
    ]);
    expect(deskActions(invoice(InvoiceStatus.PAID, 150000n))).toEqual([]);
    expect(deskActions(invoice(InvoiceStatus.WRITTEN_OFF, 0n))).toEqual([]);
  });
});
