import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { EncounterSchema, VitalSignsSchema } from "@hms/sdk/hms/ehr/v1/ehr_pb";
import { bloodPressure, latestVitals, trendKinds, vitalsSeries } from "./record";

const vitals = (ms: number, values: Record<string, number>) =>
  create(VitalSignsSchema, { measureTime: timestampFromMs(ms), ...values });

describe("vital signs", () => {
  const encounters = [
    create(EncounterSchema, {
      vitalSigns: [vitals(3000, { heartRate: 80, systolicBp: 130, diastolicBp: 85 })],
    }),
    create(EncounterSchema, {
      vitalSigns: [
        vitals(1000, { heartRate: 72, temperatureCelsius: 36.8 }),
        create(VitalSignsSchema, { heartRate: 99 }),
      ],
    }),
    create(EncounterSchema, { vitalSigns: [vitals(2000, { systolicBp: 120, diastolicBp: 80 })] }),
  ];
  it("lines up every visit's measurements oldest first, without undated ones", () => {
    expect(vitalsSeries(encounters)).toEqual([
      { at: 1000, heartRate: 72, temperatureCelsius: 36.8 },
      { at: 2000, systolicBp: 120, diastolicBp: 80 },
      { at: 3000, heartRate: 80, systolicBp: 130, diastolicBp: 85 },
    ]);
  });
  it("draws a trend only of what was measured twice, and knows the latest of each", () => {
    const points = vitalsSeries(encounters);
    expect(trendKinds(points)).toEqual(["heartRate", "systolicBp", "diastolicBp"]);
    const latest = latestVitals(points);
    expect(latest.heartRate?.at).toBe(3000);
    expect(latest.temperatureCelsius?.at).toBe(1000);
    expect(bloodPressure(latest.systolicBp ?? {})).toBe("130/85");
    expect(bloodPressure({ systolicBp: 120 })).toBe("");
  });
});
