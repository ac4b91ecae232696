// The admin's reference range rows: ages in years or days, limits, and their problems.
import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ReferenceRangeSchema, Sex } from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import { ageText, emptyRange, parseAge, rangeDraft, rangeOf } from "./labRanges";

describe("ages", () => {
  it("reads years and days as the shipped catalog counts them", () => {
    expect(parseAge("18y")).toBe(6574);
    expect(parseAge("120Y")).toBe(43830);
    expect(parseAge("30d")).toBe(30);
    expect(parseAge(" 30 ")).toBe(30);
    expect(parseAge("0")).toBe(0);
    expect(parseAge("1.5y")).toBeUndefined();
    expect(parseAge("")).toBeUndefined();
    expect(parseAge("-3d")).toBeUndefined();
  });
  it("shows whole years as years and the rest as days, and reads them back", () => {
    for (const days of [0, 30, 365, 6574, 43830, 1000]) {
      expect(parseAge(ageText(days))).toBe(days);
    }
    expect(ageText(6574)).toBe("18y");
    expect(ageText(30)).toBe("30d");
    expect(ageText(0)).toBe("0d");
  });
});

describe("range rows", () => {
  it("round-trips a stored range", () => {
    const stored = create(ReferenceRangeSchema, {
      sex: Sex.FEMALE,
      ageMinDays: 6574,
      ageMaxDays: 43830,
      low: 120,
      high: 155,
      criticalLow: 70,
      source: "WHO 2024",
    });
    const { range, problems } = rangeOf(rangeDraft(stored));
    expect(problems).toEqual({});
    expect(create(ReferenceRangeSchema, range)).toEqual(stored);
  });
  it("leaves a blank limit unset", () => {
    const { range, problems } = rangeOf({ ...emptyRange(), high: "5,2" });
    expect(problems).toEqual({});
    expect(range.low).toBeUndefined();
    expect(range.high).toBe(5.2);
  });
  it("names each problem by the request's field", () => {
    const bad = rangeOf({
      ...emptyRange(),
      from: "20y",
      to: "18y",
      low: "abc",
      criticalHigh: "1e3",
    });
    expect(bad.problems).toEqual({
      age_max_days: "order",
      low: "number",
      critical_high: "number",
    });
    expect(rangeOf({ ...emptyRange(), low: "6", high: "5" }).problems).toEqual({ high: "order" });
    expect(rangeOf({ ...emptyRange(), from: "old" }).problems).toEqual({ age_min_days: "age" });
  });
});
