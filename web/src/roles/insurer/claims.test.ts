import { describe, expect, it } from "vitest";
import { ClaimStatus } from "@hms/sdk/hms/billing/v1/billing_pb";
import { insurerMoves, mergeDecided, partialValid } from "./claims";

describe("insurer moves", () => {
  it("follow the claim lifecycle", () => {
    expect(insurerMoves(ClaimStatus.SUBMITTED)).toEqual([ClaimStatus.PROCESSING]);
    expect(insurerMoves(ClaimStatus.PROCESSING)).toEqual([
      ClaimStatus.AWAITING_DOCUMENTS,
      ClaimStatus.APPROVED,
      ClaimStatus.PARTIALLY_APPROVED,
      ClaimStatus.REJECTED,
    ]);
    expect(insurerMoves(ClaimStatus.AWAITING_DOCUMENTS)[0]).toBe(ClaimStatus.PROCESSING);
    expect(insurerMoves(ClaimStatus.PARTIALLY_APPROVED)).toEqual([ClaimStatus.PAID_BY_INSURER]);
    expect(insurerMoves(ClaimStatus.REJECTED)).toEqual([]);
    expect(insurerMoves(ClaimStatus.PAID_BY_INSURER)).toEqual([]);
  });
  it("take a partial amount strictly inside the claim", () => {
    expect(partialValid(50n, 100n)).toBe(true);
    expect(partialValid(100n, 100n)).toBe(false);
    expect(partialValid(0n, 100n)).toBe(false);
    expect(partialValid(undefined, 100n)).toBe(false);
  });
  it("keep decided claims after the pending ones, once", () => {
    const a = { id: "a", v: 1 };
    const b = { id: "b", v: 1 };
    expect(mergeDecided([a], [{ id: "a", v: 2 }, b])).toEqual([a, b]);
  });
});
