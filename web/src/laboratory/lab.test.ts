// The laboratory helpers: units a value may be entered in, flags as codes and symbols,
// results typed into a form turned into the request (and its violations back onto the
// form), the worklist's order, which items may be cancelled, and the result file's size.
import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  Flag,
  LabOrderSchema,
  LabOrderStatus,
  LabParameterSchema,
  LabResultSchema,
  ParameterKind,
  Priority,
} from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import {
  buildEntry,
  canCancelItem,
  fileProblem,
  flagCode,
  flagDisplay,
  formatValue,
  isCritical,
  MAX_FILE_BYTES,
  parseDecimal,
  previewFlag,
  rangeBar,
  unitChoices,
  violationField,
  worklistOrder,
} from "./lab";

const glucose = create(LabParameterSchema, {
  code: "14771-0",
  name: "Fasting glucose",
  kind: ParameterKind.QUANTITATIVE,
  unit: "mmol/L",
  conversions: [{ unit: "mg/dL", factor: 0.0555062 }],
});
const dipstick = create(LabParameterSchema, {
  code: "20454-5",
  name: "Protein",
  kind: ParameterKind.ORDINAL,
  scale: ["negative", "trace", "1+", "2+"],
  normalValues: ["negative"],
});

describe("unit choices", () => {
  it("offers the catalog's unit first, then its conversions, once each", () => {
    expect(unitChoices(glucose)).toEqual(["mmol/L", "mg/dL"]);
    const twice = create(LabParameterSchema, {
      unit: "m[IU]/L",
      conversions: [{ unit: "u[IU]/mL" }, { unit: "m[IU]/L" }],
    });
    expect(unitChoices(twice)).toEqual(["m[IU]/L", "u[IU]/mL"]);
  });
  it("offers nothing for an ordinal", () => {
    expect(unitChoices(dipstick)).toEqual([]);
  });
});

describe("flags", () => {
  it("prints FHIR's codes and marks the critical ones with a symbol too", () => {
    expect(flagCode(Flag.CRITICAL_LOW)).toBe("LL");
    expect(flagCode(Flag.CRITICAL_HIGH)).toBe("HH");
    expect(flagCode(Flag.NORMAL)).toBe("N");
    expect(flagCode(Flag.UNSPECIFIED)).toBe("");
    expect(isCritical(Flag.CRITICAL_LOW)).toBe(true);
    expect(isCritical(Flag.LOW)).toBe(false);
    expect(flagDisplay(Flag.CRITICAL_HIGH)).toEqual({
      className: "flag flag-HH",
      symbol: "⚠",
      code: "HH",
    });
    expect(flagDisplay(Flag.LOW).symbol).toBe("↓");
    expect(flagDisplay(Flag.UNSPECIFIED).className).toBe("flag flag-none");
  });
});

describe("entering results", () => {
  it("reads decimals with a point or a comma", () => {
    expect(parseDecimal("5,4")).toBe(5.4);
    expect(parseDecimal(" 30 ")).toBe(30);
    expect(parseDecimal("-0.3")).toBe(-0.3);
    expect(parseDecimal("5.")).toBeUndefined();
    expect(parseDecimal("high")).toBeUndefined();
  });

  it("sends the filled parameters in the unit chosen, the catalog's by default", () => {
    const built = buildEntry([glucose, dipstick], {
      "14771-0": { value: "30", unit: "mg/dL", scale: "" },
      "20454-5": { value: "", unit: "", scale: "2+" },
    });
    expect(built.problems).toEqual({});
    expect(built.inputs).toEqual([
      { parameterCode: "14771-0", value: 30, unit: "mg/dL", scaleValue: "" },
      { parameterCode: "20454-5", unit: "", scaleValue: "2+" },
    ]);
    const plain = buildEntry([glucose], { "14771-0": { value: "5.4", unit: "", scale: "" } });
    expect(plain.inputs[0]?.unit).toBe("mmol/L");
  });

  it("leaves blanks out and names what cannot be sent", () => {
    const built = buildEntry([glucose, dipstick], {
      "14771-0": { value: "five", unit: "", scale: "" },
      "20454-5": { value: "", unit: "", scale: "5+" },
    });
    expect(built.problems).toEqual({ "14771-0": "number", "20454-5": "scale" });
    expect(buildEntry([glucose], {}).inputs).toEqual([]);
  });

  it("puts a violation of the request next to the parameter it was sent for", () => {
    const sent = ["3016-3", "14771-0"];
    expect(violationField("results[1].unit", sent)).toBe("14771-0.unit");
    expect(violationField("results[0].value", sent)).toBe("3016-3.value");
    expect(violationField("results[0].scale_value", sent)).toBe("3016-3.scale");
    expect(violationField("results[2].unit", sent)).toBeUndefined();
    expect(violationField("amend_reason", sent)).toBeUndefined();
  });
});

describe("orders", () => {
  it("lists urgent orders first, then the oldest", () => {
    const at = (ms: number) => timestampFromMs(ms);
    const orders = [
      create(LabOrderSchema, { orderId: "a", priority: Priority.ROUTINE, createTime: at(1000) }),
      create(LabOrderSchema, { orderId: "b", priority: Priority.URGENT, createTime: at(3000) }),
      create(LabOrderSchema, { orderId: "c", priority: Priority.URGENT, createTime: at(2000) }),
    ];
    expect(worklistOrder(orders).map((o) => o.orderId)).toEqual(["c", "b", "a"]);
  });

  it("cancels only an item without values that the lab has not finished", () => {
    const empty = create(LabResultSchema, { parameterCode: "x" });
    const valued = create(LabResultSchema, { parameterCode: "x", value: 1 });
    expect(canCancelItem({ status: LabOrderStatus.REQUESTED, results: [empty] })).toBe(true);
    expect(canCancelItem({ status: LabOrderStatus.PROCESSING, results: [valued] })).toBe(false);
    expect(canCancelItem({ status: LabOrderStatus.COMPLETED, results: [] })).toBe(false);
  });

  it("checks a result file's size before sending it", () => {
    expect(fileProblem(0)).toBe("empty");
    expect(fileProblem(MAX_FILE_BYTES)).toBeUndefined();
    expect(fileProblem(MAX_FILE_BYTES + 1)).toBe("large");
  });
});

describe("values", () => {
  it("are shown with the catalog's decimals, in the reader's language", () => {
    expect(formatValue(1.665186, 1, "en")).toBe("1.7");
    expect(formatValue(0.1, 2, "en")).toBe("0.10");
    expect(formatValue(1.665186, 1, "vi")).toBe("1,7");
    expect(formatValue(140, 0, "en")).toBe("140");
  });
});

describe("the flag shown while typing", () => {
  const adult = { low: 3.9, high: 5.5, criticalLow: 2.6, criticalHigh: 26.9 };
  const typed = (value: string, unit = "") => previewFlag(glucose, adult, { value, unit });
  it("judges the value in the catalog's unit, limits inside", () => {
    expect(typed("5.0")).toBe(Flag.NORMAL);
    expect(typed("3.9")).toBe(Flag.NORMAL);
    expect(typed("5.5")).toBe(Flag.NORMAL);
    expect(typed("5.6")).toBe(Flag.HIGH);
    expect(typed("3,8")).toBe(Flag.LOW);
  });
  it("puts critical limits before the reference range", () => {
    expect(typed("2.5")).toBe(Flag.CRITICAL_LOW);
    expect(typed("27")).toBe(Flag.CRITICAL_HIGH);
  });
  it("converts a unit the catalog accepts, as the service does", () => {
    // 126 mg/dL is 7.0 mmol/L; 30 mg/dL is 1.7 mmol/L.
    expect(typed("126", "mg/dL")).toBe(Flag.HIGH);
    expect(typed("30", "mg/dL")).toBe(Flag.CRITICAL_LOW);
  });
  it("shows nothing for what cannot be judged yet", () => {
    expect(typed("")).toBeUndefined();
    expect(typed("5.")).toBeUndefined();
    expect(typed("5", "mg/L")).toBeUndefined();
    expect(previewFlag(glucose, undefined, { value: "5", unit: "" })).toBeUndefined();
    expect(previewFlag(glucose, {}, { value: "5", unit: "" })).toBeUndefined();
  });
  it("judges a one-sided range", () => {
    const upTo = { high: 5.2 };
    expect(previewFlag(glucose, upTo, { value: "4", unit: "" })).toBe(Flag.NORMAL);
    expect(previewFlag(glucose, upTo, { value: "6", unit: "" })).toBe(Flag.HIGH);
  });
});

describe("range bars", () => {
  it("puts a two-sided range in the middle half and the value on it", () => {
    const middle = rangeBar(4.7, 3.9, 5.5);
    expect(middle).toMatchObject({ from: 0.25, to: 0.75, outside: false });
    expect(middle?.at).toBeCloseTo(0.5);
    const high = rangeBar(7, 3.9, 5.5);
    expect(high?.outside).toBe(true);
    expect(high?.at).toBeGreaterThan(0.75);
  });
  it("clamps a value far off the range to the bar's end", () => {
    expect(rangeBar(40, 3.9, 5.5)?.at).toBe(1);
    expect(rangeBar(-3, 3.9, 5.5)?.at).toBe(0);
  });
  it("draws a range open on one side from its limit", () => {
    const upTo = rangeBar(2.6, undefined, 5.2);
    expect(upTo).toMatchObject({ from: 0, to: 0.5, at: 0.25, outside: false });
    const from = rangeBar(30, 40, undefined);
    expect(from).toMatchObject({ from: 0.5, to: 1, outside: true });
    expect(from?.at).toBeLessThan(0.5);
  });
  it("draws nothing without a value or a range", () => {
    expect(rangeBar(undefined, 3.9, 5.5)).toBeUndefined();
    expect(rangeBar(4, undefined, undefined)).toBeUndefined();
  });
});
