// The admin's medication form: comma lists, the price in whole VND, the reorder level, a
// stored medication read back unchanged, and the service's violations at their inputs.
import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { DosageForm, MedicationSchema } from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import {
  DOSAGE_FORMS,
  errorsByInput,
  inputOf,
  joinList,
  medicationDraft,
  medicationOf,
  priceCurrency,
  splitList,
} from "./medicationForm";

describe("comma lists", () => {
  it("trims entries and drops blank ones", () => {
    expect(splitList(" penicillin , beta_lactam,, ")).toEqual(["penicillin", "beta_lactam"]);
    expect(splitList("amoxicillin + clavulanic acid")).toEqual(["amoxicillin + clavulanic acid"]);
    expect(splitList("  ")).toEqual([]);
    expect(splitList(",")).toEqual([]);
  });
  it("joins back what it splits", () => {
    expect(splitList(joinList(["a", "b c"]))).toEqual(["a", "b c"]);
    expect(joinList([])).toBe("");
  });
});

describe("medication form", () => {
  const stored = create(MedicationSchema, {
    medicationId: "m-1",
    code: "AMOX500C",
    name: "Amoxicillin 500 mg capsule",
    genericName: "amoxicillin",
    drugClasses: ["penicillin", "beta_lactam"],
    ingredients: ["amoxicillin"],
    manufacturer: "Imexpharm",
    dosageForm: DosageForm.CAPSULE,
    strength: "500 mg",
    unitPrice: { amountMinor: 1500n, currency: "VND" },
    reorderLevel: 50,
    active: true,
    version: 3n,
  });

  it("reads a stored medication back as it was", () => {
    const draft = medicationDraft(stored);
    expect(draft.drugClasses).toBe("penicillin, beta_lactam");
    expect(draft.price).toBe("1500");
    expect(draft.dosageForm).toBe(String(DosageForm.CAPSULE));
    const { medication, problems } = medicationOf(draft, priceCurrency(stored));
    expect(problems).toEqual({});
    expect(create(MedicationSchema, medication)).toEqual(
      create(MedicationSchema, { ...stored, medicationId: "", version: 0n }),
    );
  });

  it("starts a new one active, without a form, priced in VND", () => {
    const draft = medicationDraft();
    expect(draft.active).toBe(true);
    expect(draft.dosageForm).toBe(String(DosageForm.UNSPECIFIED));
    expect(draft.reorderLevel).toBe("0");
    expect(priceCurrency(undefined)).toBe("VND");
  });

  it("takes VND in whole units with grouping marks, never a fraction", () => {
    const draft = { ...medicationDraft(stored), price: "12.500" };
    expect(medicationOf(draft, "VND").medication.unitPrice?.amountMinor).toBe(12500n);
    expect(medicationOf({ ...draft, price: "12,5 đ" }, "VND").problems).toEqual({
      "medication.unit_price": "price",
    });
    expect(medicationOf({ ...draft, price: "" }, "VND").problems).toEqual({
      "medication.unit_price": "price",
    });
    expect(medicationOf({ ...draft, price: "12.50" }, "USD").medication.unitPrice).toEqual({
      amountMinor: 1250n,
      currency: "USD",
    });
  });

  it("wants a whole, non-negative reorder level (blank is 0)", () => {
    const draft = medicationDraft(stored);
    expect(medicationOf({ ...draft, reorderLevel: " " }, "VND").medication.reorderLevel).toBe(0);
    expect(medicationOf({ ...draft, reorderLevel: "20" }, "VND").medication.reorderLevel).toBe(20);
    for (const bad of ["-1", "2.5", "ten", "99999999999"]) {
      expect(medicationOf({ ...draft, reorderLevel: bad }, "VND").problems, bad).toEqual({
        "medication.reorder_level": "reorderLevel",
      });
    }
  });

  it("sends the lists split, the form chosen and the fields trimmed", () => {
    const { medication } = medicationOf(
      {
        ...medicationDraft(),
        code: " CEF250C ",
        name: " Cefalexin 250 mg capsule ",
        drugClasses: "cephalosporin, beta_lactam",
        ingredients: "cefalexin",
        dosageForm: String(DosageForm.CAPSULE),
        price: "2000",
        active: false,
      },
      "VND",
    );
    expect(medication).toMatchObject({
      code: "CEF250C",
      name: "Cefalexin 250 mg capsule",
      drugClasses: ["cephalosporin", "beta_lactam"],
      ingredients: ["cefalexin"],
      dosageForm: DosageForm.CAPSULE,
      active: false,
    });
  });

  it("offers every dosage form but the unspecified one", () => {
    expect(DOSAGE_FORMS).toContain(DosageForm.TABLET);
    expect(DOSAGE_FORMS).toContain(DosageForm.POWDER);
    expect(DOSAGE_FORMS).not.toContain(DosageForm.UNSPECIFIED);
    expect(DOSAGE_FORMS).toHaveLength(11);
  });
});

describe("violations at their inputs", () => {
  it("brings list entries and the price's parts to the field's input", () => {
    expect(inputOf("medication.code")).toBe("medication.code");
    expect(inputOf("medication.ingredients[2]")).toBe("medication.ingredients");
    expect(inputOf("medication.drug_classes[0]")).toBe("medication.drug_classes");
    expect(inputOf("medication.unit_price.amount_minor")).toBe("medication.unit_price");
    expect(inputOf("medication.unit_price.currency")).toBe("medication.unit_price");
    expect(inputOf("medication")).toBeUndefined();
    expect(inputOf("version")).toBeUndefined();
    expect(inputOf("medication.codex")).toBeUndefined();
  });

  it("joins the sentences of one input and names the paths shown", () => {
    const { errors, shown } = errorsByInput({
      "medication.ingredients": "at least one ingredient is required",
      "medication.ingredients[0]": "must be 1 to 100 characters",
      "medication.code": "must be 2 to 16 upper case letters or digits",
      version: "is required",
    });
    expect(errors).toEqual({
      "medication.ingredients": "at least one ingredient is required must be 1 to 100 characters",
      "medication.code": "must be 2 to 16 upper case letters or digits",
    });
    expect(shown.sort()).toEqual([
      "medication.code",
      "medication.ingredients",
      "medication.ingredients[0]",
    ]);
  });
});
