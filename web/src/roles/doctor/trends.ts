// The vital sign readings of a patient's encounters as points in time, oldest first, for the
// chart's trends.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Encounter, VitalSigns } from "@hms/sdk/hms/ehr/v1/ehr_pb";

export interface TrendPoint {
  at: number;
  heartRate?: number;
  systolicBp?: number;
  diastolicBp?: number;
  temperatureCelsius?: number;
  spo2Percent?: number;
  weightKg?: number;
}

export function trendPoints(encounters: Pick<Encounter, "vitalSigns">[]): TrendPoint[] {
  return encounters
    .flatMap((e) => e.vitalSigns)
    .filter(
      (v): v is VitalSigns & { measureTime: NonNullable<VitalSigns["measureTime"]> } =>
        !!v.measureTime,
    )
    .map((v) => ({
      at: timestampMs(v.measureTime),
      heartRate: v.heartRate,
      systolicBp: v.systolicBp,
      diastolicBp: v.diastolicBp,
      temperatureCelsius: v.temperatureCelsius,
      spo2Percent: v.spo2Percent,
      weightKg: v.weightKg,
    }))
    .sort((a, b) => a.at - b.at);
}

/** All readings, newest first (the table beside the trends). */
export function latestReadings(
  encounters: Pick<Encounter, "vitalSigns">[],
  limit = 10,
): VitalSigns[] {
  return encounters
    .flatMap((e) => e.vitalSigns)
    .sort(
      (a, b) =>
        (b.measureTime ? timestampMs(b.measureTime) : 0) -
        (a.measureTime ? timestampMs(a.measureTime) : 0),
    )
    .slice(0, limit);
}
