import { describe, expect, it } from "vitest";
import { bmi, parseNumber, parseVitals, serverProblem, VITALS } from "./vitals";

describe("vital signs in a form", () => {
  it("reads numbers with a point or a decimal comma, blanks as not measured", () => {
    expect(parseNumber(" 36,8 ")).toBe(36.8);
    expect(parseNumber("120")).toBe(120);
    expect(parseNumber("")).toBeUndefined();
    expect(parseNumber("abc")).toBeNull();
    expect(parseNumber("1e3")).toBeNull();
  });

  it("accepts values inside the ranges, at their bounds too", () => {
    const { measured, problems } = parseVitals({
      temperatureCelsius: "36.8",
      heartRate: "20",
      systolicBp: "120",
      diastolicBp: "80",
      respiratoryRate: "16",
      spo2Percent: "100",
      weightKg: "0.3",
      heightCm: "170",
    });
    expect(problems).toEqual({});
    expect(measured).toEqual({
      temperatureCelsius: 36.8,
      heartRate: 20,
      systolicBp: 120,
      diastolicBp: 80,
      respiratoryRate: 16,
      spo2Percent: 100,
      weightKg: 0.3,
      heightCm: 170,
    });
  });

  it("refuses values outside them, each at its field", () => {
    const { measured, problems } = parseVitals({
      temperatureCelsius: "370",
      heartRate: "400",
      spo2Percent: "101",
      respiratoryRate: "3",
      weightKg: "72",
    });
    expect(Object.keys(problems).sort()).toEqual([
      "vital_signs.heart_rate",
      "vital_signs.respiratory_rate",
      "vital_signs.spo2_percent",
      "vital_signs.temperature_celsius",
    ]);
    expect(problems["vital_signs.temperature_celsius"]).toEqual({
      key: "vitals.error.range",
      params: { min: 30, max: 45, unit: "°C" },
    });
    expect(measured).toEqual({ weightKg: 72 });
  });

  it("wants whole numbers where the service does", () => {
    expect(parseVitals({ heartRate: "72.5" }).problems["vital_signs.heart_rate"]?.key).toBe(
      "vitals.error.integer",
    );
    expect(parseVitals({ weightKg: "7x" }).problems["vital_signs.weight_kg"]?.key).toBe(
      "vitals.error.number",
    );
  });

  it("checks blood pressure as a pair, systolic above diastolic", () => {
    expect(parseVitals({ systolicBp: "80", diastolicBp: "90" }).problems).toEqual({
      "vital_signs.systolic_bp": { key: "vitals.error.order" },
    });
    expect(parseVitals({ systolicBp: "120" }).problems).toEqual({
      "vital_signs.diastolic_bp": { key: "vitals.error.pair" },
    });
    expect(parseVitals({ diastolicBp: "80" }).problems).toEqual({
      "vital_signs.systolic_bp": { key: "vitals.error.pair" },
    });
  });

  it("needs at least one measurement", () => {
    expect(parseVitals({}).problems).toEqual({ vital_signs: { key: "vitals.error.none" } });
    expect(parseVitals({ heartRate: "  " }).problems).toEqual({
      vital_signs: { key: "vitals.error.none" },
    });
  });

  it("reads the service's own descriptions back", () => {
    expect(serverProblem("must be between 20 and 250 beats per minute")).toEqual({
      key: "vitals.error.range",
      params: { min: "20", max: "250", unit: "/min" },
    });
    expect(serverProblem("must be between 30 and 45 °C")?.params?.unit).toBe("°C");
    expect(serverProblem("must be above diastolic_bp")?.key).toBe("vitals.error.order");
    expect(serverProblem("something else")).toBeUndefined();
  });

  it("names every field the service names", () => {
    expect(VITALS.map((v) => v.field)).toHaveLength(8);
    expect(new Set(VITALS.map((v) => v.key)).size).toBe(8);
  });

  it("computes the body mass index", () => {
    expect(bmi(70, 175)).toBe(22.9);
    expect(bmi(70)).toBeUndefined();
  });
});
