// Error mapping: reasons, field violations and the alternatives of a refused booking are
// read from the error details, and every refusal reads as a sentence in both languages.
import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { BadRequestSchema, ErrorInfoSchema } from "@hms/sdk/google/rpc/error_details_pb";
import { SlotAlternativesSchema } from "@hms/sdk/hms/appointment/v1/appointment_pb";
import {
  FindingKind,
  PrescriptionFindingsSchema,
  Severity,
} from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { problemsFor, toProblem } from "./errors";
import { describeField, describeProblem, translator } from "../i18n";

const en = translator("en");
const vi = translator("vi");

function refusal(
  code: Code,
  reason: string,
  message: string,
  metadata: Record<string, string> = {},
) {
  return new ConnectError(message, code, undefined, [
    { desc: ErrorInfoSchema, value: { reason, domain: "hms", metadata } },
  ]);
}

describe("toProblem", () => {
  it("reads the reason and its metadata", () => {
    const p = toProblem(
      refusal(Code.FailedPrecondition, "BEYOND_BOOKING_HORIZON", "too far", { horizon_days: "90" }),
    );
    expect(p.code).toBe(Code.FailedPrecondition);
    expect(p.reason).toBe("BEYOND_BOOKING_HORIZON");
    expect(describeProblem(en, p)).toBe("Appointments can be booked at most 90 days ahead.");
    expect(describeProblem(vi, p)).toBe("Chỉ có thể đặt lịch trước tối đa 90 ngày.");
  });

  it("decodes the SlotAlternatives of a refused booking as it comes off the wire", () => {
    const alternatives = create(SlotAlternativesSchema, {
      sameDoctor: [
        { doctorId: "d1", startTime: timestampFromDate(new Date("2026-12-07T03:00:00Z")) },
      ],
      otherDoctors: [
        { doctorId: "d2", startTime: timestampFromDate(new Date("2026-12-07T02:30:00Z")) },
      ],
    });
    const info = create(ErrorInfoSchema, { reason: "SLOT_UNAVAILABLE", domain: "hms" });
    const error = new ConnectError("this slot is taken", Code.FailedPrecondition);
    error.details = [
      { type: "google.rpc.ErrorInfo", value: toBinary(ErrorInfoSchema, info) },
      {
        type: "hms.appointment.v1.SlotAlternatives",
        value: toBinary(SlotAlternativesSchema, alternatives),
      },
    ];
    const p = toProblem(error);
    expect(p.reason).toBe("SLOT_UNAVAILABLE");
    expect(p.alternatives?.sameDoctor[0]?.doctorId).toBe("d1");
    expect(p.alternatives?.otherDoctors[0]?.doctorId).toBe("d2");
    expect(describeProblem(en, p)).toBe("This time has just been taken.");
  });

  it("decodes the PrescriptionFindings of a refused prescription as it comes off the wire", () => {
    const findings = create(PrescriptionFindingsSchema, {
      findings: [
        {
          kind: FindingKind.ALLERGY,
          medicationId: "m1",
          medicationName: "Amoxicillin 500 mg capsule",
          other: "Penicillins",
          severity: Severity.CONTRAINDICATED,
          description: "The patient is allergic to Penicillins",
          source: "the patient's medical record",
        },
        {
          kind: FindingKind.INTERACTION,
          medicationId: "m1",
          medicationName: "Amoxicillin 500 mg capsule",
          other: "Warfarin sodium 2 mg tablet",
          otherPrescriptionId: "rx-9",
          severity: Severity.MODERATE,
          description: "INR may rise",
          source: "Stockley",
        },
      ],
    });
    const info = create(ErrorInfoSchema, { reason: "PRESCRIPTION_FINDINGS", domain: "hms" });
    const error = new ConnectError("2 findings", Code.FailedPrecondition);
    error.details = [
      { type: "google.rpc.ErrorInfo", value: toBinary(ErrorInfoSchema, info) },
      {
        type: "hms.pharmacy.v1.PrescriptionFindings",
        value: toBinary(PrescriptionFindingsSchema, findings),
      },
    ];
    const p = toProblem(error);
    expect(p.reason).toBe("PRESCRIPTION_FINDINGS");
    expect(p.findings?.findings).toHaveLength(2);
    expect(p.findings?.findings[0]?.kind).toBe(FindingKind.ALLERGY);
    expect(p.findings?.findings[1]?.otherPrescriptionId).toBe("rx-9");
    expect(p.findings?.findings[1]?.severity).toBe(Severity.MODERATE);
    expect(describeProblem(en, p, "rx.reason")).toContain("override the findings with a reason");
  });

  it("reads a screen's own sentence for a reason other services use too", () => {
    const p = toProblem(refusal(Code.FailedPrecondition, "INVALID_TRANSITION", "not now"));
    expect(describeProblem(en, p)).toBe(
      "The appointment cannot be changed this way in its current state.",
    );
    expect(describeProblem(en, p, "rx.reason")).toBe(
      "The prescription cannot be changed this way in its current status. Reload it.",
    );
    // A reason the scope has no sentence for falls back to the shared one.
    const taken = toProblem(
      refusal(Code.AlreadyExists, "ALREADY_TAKEN", "taken", { field: "email" }),
    );
    expect(describeProblem(en, taken, "rx.reason")).toBe(
      "This Email is already in use by another account.",
    );
    const short = toProblem(
      refusal(Code.FailedPrecondition, "INSUFFICIENT_STOCK", "holds 3", { on_hand: "3" }),
    );
    expect(describeProblem(vi, short, "rx.reason")).toBe(
      "Lô này còn 3 đơn vị; điều chỉnh không thể làm số lượng nhỏ hơn 0.",
    );
  });

  it("collects field violations and finds them by field", () => {
    const error = new ConnectError("invalid", Code.InvalidArgument, undefined, [
      {
        desc: BadRequestSchema,
        value: {
          fieldViolations: [
            { field: "email", description: "is not a valid email address" },
            { field: "password", description: "must have at least 8 characters" },
            { field: "profile.patient.blood_type", description: "must be one of A+" },
          ],
        },
      },
    ]);
    const p = toProblem(error);
    expect(p.fields).toHaveLength(3);
    expect(problemsFor(p, "profile")).toHaveLength(1);
    expect(problemsFor(p, "pass")).toHaveLength(0);
    expect(describeProblem(en, p)).toBe("Some fields need your attention.");
    expect(describeField(vi, p.fields[1]!)).toBe("Mật khẩu: phải có ít nhất 8 ký tự");
    // An unknown description is shown as the service wrote it.
    expect(describeField(en, p.fields[2]!)).toBe("profile.patient.blood_type: must be one of A+");
  });

  it("names the taken field of ALREADY_TAKEN", () => {
    const p = toProblem(refusal(Code.AlreadyExists, "ALREADY_TAKEN", "taken", { field: "email" }));
    expect(describeProblem(en, p)).toBe("This Email is already in use by another account.");
  });

  it("falls back to the code, then to the message", () => {
    expect(describeProblem(en, toProblem(new ConnectError("down", Code.Unavailable)))).toBe(
      "The service cannot be reached right now. Try again in a moment.",
    );
    expect(describeProblem(en, toProblem(new ConnectError("odd", Code.DataLoss)))).toBe(
      "The request was refused: odd",
    );
    expect(describeProblem(vi, toProblem(refusal(Code.Aborted, "SOMETHING_NEW", "new rule")))).toBe(
      "Yêu cầu bị từ chối: new rule",
    );
  });

  it("explains the policy refusals of moving and cancelling", () => {
    for (const reason of ["NOTICE_TOO_SHORT", "RESCHEDULE_LIMIT_REACHED", "IN_THE_PAST"]) {
      const p = toProblem(refusal(Code.FailedPrecondition, reason, "refused"));
      expect(describeProblem(en, p)).not.toContain("refused");
      expect(describeProblem(vi, p)).not.toContain("refused");
    }
  });
});
