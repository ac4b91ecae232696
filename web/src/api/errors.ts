// Turns a refused call into what the page shows: the ErrorInfo reason, the field
// violations of a google.rpc.BadRequest by field, and typed details such as the
// alternative slots of a refused booking or the allergy and interaction findings of a
// refused prescription.
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
} from "@hms/sdk/google/rpc/error_details_pb";
import {
  SlotAlternativesSchema,
  type SlotAlternatives,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import {
  PrescriptionFindingsSchema,
  type PrescriptionFindings,
} from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";

export interface FieldProblem {
  /** The request field path, e.g. `email` or `preferences.rules[0].channel`. */
  field: string;
  description: string;
}

export interface Problem {
  code: Code;
  /** ErrorInfo.reason, e.g. SLOT_UNAVAILABLE; empty when the error carried none. */
  reason: string;
  metadata: Record<string, string>;
  fields: FieldProblem[];
  /** The server's own message, without the code prefix. */
  message: string;
  /** Where a refused booking could go instead. */
  alternatives?: SlotAlternatives;
  /** Why a prescription was refused (PRESCRIPTION_FINDINGS): allergies and interactions. */
  findings?: PrescriptionFindings;
  retryAfterSeconds?: number;
}

export function errorReason(error: ConnectError): string {
  return error.findDetails(ErrorInfoSchema)[0]?.reason ?? "";
}

export function toProblem(error: unknown): Problem {
  const e = ConnectError.from(error);
  const info = e.findDetails(ErrorInfoSchema)[0];
  const fields = e
    .findDetails(BadRequestSchema)
    .flatMap((b) => b.fieldViolations)
    .map((v) => ({ field: v.field, description: v.description }));
  const alternatives = e.findDetails(SlotAlternativesSchema)[0];
  const findings = e.findDetails(PrescriptionFindingsSchema)[0];
  const retry = e.findDetails(RetryInfoSchema)[0]?.retryDelay;
  return {
    code: e.code,
    reason: info?.reason ?? "",
    metadata: info?.metadata ?? {},
    fields,
    message: e.rawMessage,
    ...(alternatives ? { alternatives } : {}),
    ...(findings ? { findings } : {}),
    ...(retry ? { retryAfterSeconds: Number(retry.seconds) } : {}),
  };
}

/** The field violations of `problem` for one form field: exact path, or a nested one. */
export function problemsFor(problem: Problem | undefined, field: string): FieldProblem[] {
  if (!problem) return [];
  return problem.fields.filter(
    (f) => f.field === field || f.field.startsWith(`${field}.`) || f.field.startsWith(`${field}[`),
  );
}
