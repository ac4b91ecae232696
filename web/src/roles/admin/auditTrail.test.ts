// The audit tabs' outcome labels and their one-filter search.
import { describe, expect, it } from "vitest";
import { AuditOutcome as EhrOutcome } from "@hms/sdk/hms/ehr/v1/ehr_pb";
import { AuditOutcome as RxOutcome } from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { AuditOutcome as LabOutcome } from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import { NO_TRAIL_FILTERS, outcomeLabel, trailFilters } from "./auditTrail";

describe("outcome labels", () => {
  it("read each service's outcome alike", () => {
    for (const outcome of [EhrOutcome, RxOutcome, LabOutcome]) {
      expect(outcomeLabel(outcome.ALLOWED)).toBe("admin.audit.outcome.ALLOWED");
      expect(outcomeLabel(outcome.DENIED)).toBe("admin.audit.outcome.DENIED");
      expect(outcomeLabel(outcome.FAILED)).toBe("admin.audit.outcome.FAILED");
      expect(outcomeLabel(outcome.UNSPECIFIED)).toBe("admin.audit.outcome.UNSPECIFIED");
    }
  });
  it("call an outcome they do not know unknown", () => {
    expect(outcomeLabel(9)).toBe("admin.audit.outcome.UNSPECIFIED");
    expect(outcomeLabel(-1)).toBe("admin.audit.outcome.UNSPECIFIED");
  });
});

describe("trail search", () => {
  it("takes the patient or the actor, trimmed", () => {
    expect(trailFilters(" p-1 ", "")).toEqual({ patientId: "p-1", actorId: "" });
    expect(trailFilters("", " a-1")).toEqual({ patientId: "", actorId: "a-1" });
    expect(trailFilters(" ", " ")).toEqual(NO_TRAIL_FILTERS);
  });
  it("refuses both at once", () => {
    expect(trailFilters("p-1", "a-1")).toBeUndefined();
  });
});
