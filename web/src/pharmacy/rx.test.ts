// The prescription helpers: findings in reading order and as sentences in both languages,
// dosage form labels,
// what a dispense preview amounts to (earliest expiry first, shortfalls), the quantities
// a pharmacist types, stock changes typed with a sign, and expiry against the clinic's day.
import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import {
  DispenseLineSchema,
  DosageForm,
  FindingKind,
  FindingSchema,
  PrescriptionStatus,
  Severity,
} from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { translator } from "../i18n";
import {
  canCancel,
  canDispense,
  canVerify,
  chosenQuantities,
  daysBetween,
  dosageFormLabel,
  expiryState,
  findingCounts,
  findingSentence,
  findingsHeadline,
  medicationLabel,
  ofEncounter,
  parseCount,
  parseDelta,
  planOf,
  remaining,
  rxStatusLabel,
  sortFindings,
} from "./rx";

const en = translator("en");
const vi = translator("vi");

const allergy = create(FindingSchema, {
  kind: FindingKind.ALLERGY,
  medicationId: "m-amox",
  medicationName: "Amoxicillin 500 mg capsule",
  other: "Penicillins",
  severity: Severity.CONTRAINDICATED,
  description: "The patient is allergic to Penicillins",
  source: "the patient's medical record",
});
const moderate = create(FindingSchema, {
  kind: FindingKind.INTERACTION,
  medicationId: "m-ibu",
  medicationName: "Ibuprofen 400 mg tablet",
  other: "Enalapril maleate 5 mg tablet",
  severity: Severity.MODERATE,
  description: "Reduced antihypertensive effect",
  source: "Stockley",
});
const contraindicated = create(FindingSchema, {
  kind: FindingKind.INTERACTION,
  medicationId: "m-simva",
  medicationName: "Simvastatin 20 mg tablet",
  other: "Clarithromycin 500 mg tablet",
  otherPrescriptionId: "rx-1",
  severity: Severity.CONTRAINDICATED,
  description: "Myopathy",
  source: "FDA label",
});

describe("findings", () => {
  it("read most severe first, an allergy before an interaction of the same severity", () => {
    const sorted = sortFindings([moderate, contraindicated, allergy]);
    expect(sorted.map((f) => f.medicationId)).toEqual(["m-amox", "m-simva", "m-ibu"]);
  });

  it("read as sentences in both languages, naming the other side", () => {
    expect(findingSentence(en, allergy)).toBe(
      "Amoxicillin 500 mg capsule: the patient's record lists an allergy to “Penicillins”.",
    );
    expect(findingSentence(vi, allergy)).toBe(
      "Amoxicillin 500 mg capsule: hồ sơ bệnh nhân ghi nhận dị ứng với “Penicillins”.",
    );
    expect(findingSentence(en, moderate)).toBe(
      "Ibuprofen 400 mg tablet interacts with Enalapril maleate 5 mg tablet, also on this prescription.",
    );
    // An interaction with another active prescription says so.
    expect(findingSentence(en, contraindicated)).toContain("another active prescription");
    expect(findingCounts([allergy, moderate, contraindicated])).toEqual({
      allergies: 1,
      interactions: 2,
    });
    expect(findingsHeadline(en, [allergy])).toBe("1 allergy finding(s)");
    expect(findingsHeadline(en, [moderate, contraindicated])).toBe("2 interaction finding(s)");
    expect(findingsHeadline(vi, [allergy, moderate])).toBe(
      "1 cảnh báo dị ứng và 1 cảnh báo tương tác",
    );
  });
});

describe("statuses", () => {
  it("say what a pharmacist may do", () => {
    expect(canVerify(PrescriptionStatus.PENDING_VERIFICATION)).toBe(true);
    expect(canVerify(PrescriptionStatus.VERIFIED)).toBe(false);
    expect(canDispense(PrescriptionStatus.VERIFIED)).toBe(true);
    expect(canDispense(PrescriptionStatus.DISPENSED_PARTIAL)).toBe(true);
    expect(canDispense(PrescriptionStatus.DISPENSED_FULL)).toBe(false);
    expect(canCancel(PrescriptionStatus.DISPENSED_PARTIAL)).toBe(false);
    expect(en(rxStatusLabel(PrescriptionStatus.DISPENSED_FULL))).toBe("Dispensed in full");
    expect(vi(rxStatusLabel(PrescriptionStatus.PENDING_VERIFICATION))).toBe("Chờ duyệt");
  });
});

describe("dosage forms", () => {
  it("have a label in both languages, and none asks for a choice", () => {
    expect(en(dosageFormLabel(DosageForm.CAPSULE))).toBe("Capsule");
    expect(vi(dosageFormLabel(DosageForm.TABLET))).toBe("Viên nén");
    expect(dosageFormLabel(DosageForm.UNSPECIFIED)).toBe("rx.form.UNSPECIFIED");
  });
});

describe("dispense plans", () => {
  const line = (
    itemId: string,
    requested: number,
    picks: { lot: string; expiry: [number, number, number]; quantity: number }[],
  ) =>
    create(DispenseLineSchema, {
      itemId,
      medicationName: itemId,
      requestedQuantity: requested,
      quantity: picks.reduce((n, p) => n + p.quantity, 0),
      picks: picks.map((p, i) => ({
        batchId: `${itemId}-${String(i)}`,
        lot: p.lot,
        expiryDate: { year: p.expiry[0], month: p.expiry[1], day: p.expiry[2] },
        quantity: p.quantity,
      })),
    });

  it("keep the batches in the order earliest-expiry-first picked them", () => {
    const plan = planOf([
      line("amox", 21, [
        { lot: "B-SOON", expiry: [2027, 1, 15], quantity: 10 },
        { lot: "A-LATE", expiry: [2027, 6, 30], quantity: 11 },
      ]),
    ]);
    expect(plan.complete).toBe(true);
    expect(plan.shortfall).toBe(0);
    expect(plan.lines[0]?.picks.map((p) => p.lot)).toEqual(["B-SOON", "A-LATE"]);
    expect(plan.lines[0]?.picks[0]?.expiry).toEqual({ year: 2027, month: 1, day: 15 });
  });

  it("count what is short per line and in all", () => {
    const plan = planOf([
      line("amox", 21, [{ lot: "B", expiry: [2027, 1, 15], quantity: 5 }]),
      line("para", 10, []),
    ]);
    expect(plan.lines.map((l) => l.shortfall)).toEqual([16, 10]);
    expect(plan).toMatchObject({ requested: 31, quantity: 5, shortfall: 26, complete: false });
    expect(plan.empty).toBe(false);
    expect(planOf([line("para", 10, [])]).empty).toBe(true);
    expect(planOf([]).complete).toBe(false);
  });
});

describe("quantities typed", () => {
  const items = [
    { itemId: "a", quantity: 21, dispensedQuantity: 5 },
    { itemId: "b", quantity: 10, dispensedQuantity: 0 },
  ];

  it("leave blank and zero items out and keep the rest", () => {
    expect(remaining(items[0]!)).toBe(16);
    expect(chosenQuantities(items, { a: " 16 ", b: "0" })).toEqual({
      ok: true,
      items: [{ itemId: "a", quantity: 16 }],
    });
  });

  it("refuse more than is left, anything but whole numbers, and nothing at all", () => {
    expect(chosenQuantities(items, { a: "17", b: "1.5" })).toEqual({
      ok: false,
      problems: { a: "tooMany", b: "format" },
      none: false,
    });
    expect(chosenQuantities(items, { a: "", b: "" })).toEqual({
      ok: false,
      problems: {},
      none: true,
    });
  });

  it("parse counts in range and signed, non-zero adjustments", () => {
    expect(parseCount("21", 1, 100)).toBe(21);
    expect(parseCount("0", 1, 100)).toBeUndefined();
    expect(parseCount("2.5", 1, 100)).toBeUndefined();
    expect(parseDelta("+5")).toBe(5);
    expect(parseDelta("-3")).toBe(-3);
    expect(parseDelta("−2")).toBe(-2);
    expect(parseDelta("7")).toBe(7);
    expect(parseDelta("0")).toBeUndefined();
    expect(parseDelta("-")).toBeUndefined();
    expect(parseDelta("20000")).toBeUndefined();
  });
});

describe("expiry", () => {
  const today = { year: 2026, month: 12, day: 7 };

  it("is expired on the expiry day itself, soon within the window", () => {
    expect(expiryState({ year: 2026, month: 12, day: 7 }, today)).toBe("expired");
    expect(expiryState({ year: 2026, month: 11, day: 30 }, today)).toBe("expired");
    expect(expiryState({ year: 2026, month: 12, day: 8 }, today)).toBe("soon");
    expect(expiryState({ year: 2027, month: 3, day: 7 }, today)).toBe("soon");
    expect(expiryState({ year: 2027, month: 3, day: 8 }, today)).toBe("ok");
    expect(expiryState({ year: 2027, month: 3, day: 8 }, today, 365)).toBe("soon");
    expect(daysBetween(today, { year: 2027, month: 1, day: 6 })).toBe(30);
  });
});

describe("lists", () => {
  it("keep one encounter's prescriptions and name catalog entries", () => {
    const list = [
      { encounterId: "e1", id: 1 },
      { encounterId: "e2", id: 2 },
      { encounterId: "e1", id: 3 },
    ];
    expect(ofEncounter(list, "e1").map((p) => p.id)).toEqual([1, 3]);
    expect(
      medicationLabel({
        name: "Amoxicillin 500 mg capsule",
        genericName: "amoxicillin",
        strength: "500 mg",
      }),
    ).toBe("Amoxicillin 500 mg capsule");
    expect(
      medicationLabel({
        name: "Co-trimoxazole 400 mg/80 mg tablet",
        genericName: "sulfamethoxazole + trimethoprim",
        strength: "",
      }),
    ).toBe("Co-trimoxazole 400 mg/80 mg tablet (sulfamethoxazole + trimethoprim)");
  });
});
