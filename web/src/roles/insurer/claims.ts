// What an insurer may do with a claim in its status, as billing's claim lifecycle allows
// (SUBMITTED → PROCESSING ⇄ AWAITING_DOCUMENTS → APPROVED / PARTIALLY_APPROVED / REJECTED;
// an approval → PAID_BY_INSURER). Closing is the hospital's.
import { ClaimStatus } from "@hms/sdk/hms/billing/v1/billing_pb";

const decisions = [ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_APPROVED, ClaimStatus.REJECTED];

export function insurerMoves(from: ClaimStatus): ClaimStatus[] {
  switch (from) {
    case ClaimStatus.SUBMITTED:
      return [ClaimStatus.PROCESSING];
    case ClaimStatus.PROCESSING:
      return [ClaimStatus.AWAITING_DOCUMENTS, ...decisions];
    case ClaimStatus.AWAITING_DOCUMENTS:
      return [ClaimStatus.PROCESSING, ...decisions];
    case ClaimStatus.APPROVED:
    case ClaimStatus.PARTIALLY_APPROVED:
      return [ClaimStatus.PAID_BY_INSURER];
    default:
      return [];
  }
}

/** A partial approval's amount must lie strictly between zero and the claim. */
export function partialValid(approved: bigint | undefined, claimed: bigint): boolean {
  return approved !== undefined && approved > 0n && approved < claimed;
}

/** Claims no longer pending stay on the page (for the payout) until it is reloaded. */
export function mergeDecided<T extends { id: string }>(pending: T[], decided: T[]): T[] {
  const ids = new Set(pending.map((c) => c.id));
  return [...pending, ...decided.filter((c) => !ids.has(c.id))];
}
