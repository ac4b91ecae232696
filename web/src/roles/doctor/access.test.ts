import { describe, expect, it } from "vitest";
import { activeGrant, type Grant } from "./access";

const grant = (patientId: string, expireMs: number, grantId = `g-${String(expireMs)}`): Grant => ({
  grantId,
  patientId,
  reason: "unconscious in the waiting room",
  expireMs,
});

describe("break-glass grants in the tab", () => {
  it("finds the patient's running grant, the latest ending one", () => {
    const grants = [grant("p1", 1_000), grant("p1", 5_000), grant("p2", 9_000)];
    expect(activeGrant(grants, "p1", 2_000)?.expireMs).toBe(5_000);
    expect(activeGrant(grants, "p1", 6_000)).toBeUndefined();
    expect(activeGrant(grants, "p3", 0)).toBeUndefined();
  });
});
