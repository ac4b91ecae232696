import { describe, expect, it } from "vitest";
import { latestReadings, trendPoints } from "./trends";

const at = (seconds: number) => ({ seconds: BigInt(seconds), nanos: 0 });
const reading = (seconds: number | undefined, heartRate: number) =>
  ({
    vitalId: `v${String(seconds)}`,
    measureTime: seconds === undefined ? undefined : at(seconds),
    heartRate,
  }) as never;

describe("vital sign trends", () => {
  const encounters = [
    { vitalSigns: [reading(300, 90), reading(100, 70)] },
    { vitalSigns: [reading(200, 80), reading(undefined, 60)] },
  ];

  it("puts every timed reading of every encounter in time order", () => {
    expect(trendPoints(encounters).map((p) => [p.at, p.heartRate])).toEqual([
      [100_000, 70],
      [200_000, 80],
      [300_000, 90],
    ]);
  });

  it("lists the latest readings first, up to a limit", () => {
    expect(latestReadings(encounters, 2).map((v) => v.heartRate)).toEqual([90, 80]);
  });
});
