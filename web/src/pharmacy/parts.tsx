// Pieces of a prescription that the doctor's, the pharmacist's and the patient's screens
// share: the status badge, the findings (each one's kind, severity, other side,
// description and source), the medications with what was dispensed of them, the dispenses,
// a refresh of every pharmacy query after a change, and cancelling with a reason.
import { useState } from "react";
import { Button, Form } from "react-aria-components";
import { createConnectQueryKey, useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import {
  FindingKind,
  PharmacyService,
  PrescriptionStatus,
  Severity,
  type Dispense,
  type Finding,
  type Prescription,
  type PrescriptionItem,
} from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { useI18n } from "../i18n";
import { formatDateTime, formatDay, formatMoney } from "../format";
import { useClinicZone } from "../format/zone";
import { Field } from "../components/fields";
import { ProblemMessage } from "../components/Problem";
import {
  findingKindLabel,
  findingsHeadline,
  findingSentence,
  rxStatusLabel,
  severityLabel,
  sortFindings,
  type PlannedPick,
} from "./rx";
import "./pharmacy.css";

/** Every pharmacy query again, after a change. */
export function useRefreshPharmacy(): () => Promise<void> {
  const queries = useQueryClient();
  return () =>
    queries.invalidateQueries({
      queryKey: createConnectQueryKey({ schema: PharmacyService, cardinality: undefined }),
    });
}

export function RxStatusBadge({ status }: { status: PrescriptionStatus }) {
  const { t } = useI18n();
  return (
    <span className={`status rx-${PrescriptionStatus[status] ?? ""}`}>
      {t(rxStatusLabel(status))}
    </span>
  );
}

/** The findings of a refused (or an overridden) prescription, the most severe first. */
export function FindingList({ findings, label }: { findings: readonly Finding[]; label: string }) {
  const { t } = useI18n();
  return (
    <div className="findings">
      <p className="meta">{findingsHeadline(t, findings)}</p>
      <ul aria-label={label}>
        {sortFindings(findings).map((f, i) => {
          const kind = FindingKind[f.kind] ?? "UNSPECIFIED";
          const severity = Severity[f.severity] ?? "UNSPECIFIED";
          return (
            <li key={`${f.medicationId}-${f.other}-${String(i)}`} className={`finding ${kind}`}>
              <p className="finding-head">
                <span className={`chip kind-${kind}`}>{t(findingKindLabel(f.kind))}</span>
                <span className={`chip sev-${severity}`}>{t(severityLabel(f.severity))}</span>
                <strong>{f.medicationName}</strong>
                {f.other && (
                  <>
                    {" ↔ "}
                    <strong>{f.other}</strong>
                  </>
                )}
              </p>
              <p>{findingSentence(t, f)}</p>
              {f.kind === FindingKind.INTERACTION && f.description && (
                <p className="finding-description">{f.description}</p>
              )}
              <p className="meta">
                {f.kind === FindingKind.ALLERGY
                  ? t("rx.finding.fromRecord")
                  : f.source
                    ? t("rx.finding.source", { source: f.source })
                    : ""}
              </p>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** The medications of a prescription, with what was dispensed of each. */
export function ItemsTable({
  items,
  caption,
  dispensed = true,
}: {
  items: readonly PrescriptionItem[];
  caption: string;
  dispensed?: boolean;
}) {
  const { t } = useI18n();
  return (
    <div className="table-wrap">
      <table className="table rx-items">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t("rx.medication")}</th>
            <th scope="col">{t("rx.dosage")}</th>
            <th scope="col">{t("rx.frequency")}</th>
            <th scope="col" className="num">
              {t("rx.durationDays")}
            </th>
            <th scope="col" className="num">
              {t("rx.quantity")}
            </th>
            {dispensed && (
              <th scope="col" className="num">
                {t("rx.dispensedQty")}
              </th>
            )}
            <th scope="col">{t("rx.instructions")}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.itemId}>
              <th scope="row">{i.medicationName}</th>
              <td>{i.dosage}</td>
              <td>{i.frequency}</td>
              <td className="num">{i.durationDays}</td>
              <td className="num">{i.quantity}</td>
              {dispensed && (
                <td className="num">
                  {t("rx.dispensedOf", { dispensed: i.dispensedQuantity, quantity: i.quantity })}
                </td>
              )}
              <td>{i.instructions}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The batches a dispense takes (or took) of one line: lot, expiry, units. */
export function Picks({ picks }: { picks: readonly PlannedPick[] }) {
  const { t, lang } = useI18n();
  if (picks.length === 0) return <span>–</span>;
  return (
    <ul className="picks">
      {picks.map((p) => (
        <li key={p.batchId}>
          <span className="lot">
            {t("rx.lot")} {p.lot}
          </span>{" "}
          · {t("rx.expiry")} {p.expiry ? formatDay(p.expiry, lang, true) : "–"} · {t("rx.units")}{" "}
          {p.quantity}
        </li>
      ))}
    </ul>
  );
}

/** The dispenses of a prescription: when, and what they cost. */
export function DispenseList({ dispenses }: { dispenses: readonly Dispense[] }) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  if (dispenses.length === 0) return null;
  return (
    <div>
      <h3 className="h3">{t("rx.dispenses")}</h3>
      <ul className="plain">
        {dispenses.map((d) => (
          <li key={d.dispenseId}>
            {t("rx.dispenseLine", {
              time: d.dispenseTime ? formatDateTime(d.dispenseTime, zone, lang) : "",
              total: formatMoney(d.total ?? { amountMinor: 0n, currency: "VND" }, lang),
            })}
            {" · "}
            {d.lines.map((l) => `${l.medicationName} × ${String(l.quantity)}`).join(", ")}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Cancels a prescription nothing was dispensed from, with a reason (the pharmacist, or the
 * doctor who wrote it). */
export function CancelPrescription({ prescription: p }: { prescription: Prescription }) {
  const { t } = useI18n();
  const refresh = useRefreshPharmacy();
  const cancel = useMutation(PharmacyService.method.cancelPrescription, {
    onSuccess: () => void refresh(),
  });
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  return (
    <details className="card rx-part">
      <summary>{t("rx.cancel.title")}</summary>
      <Form
        className="stack"
        validationBehavior="aria"
        validationErrors={missing ? { reason: t("rx.cancel.reasonNeeded") } : {}}
        onSubmit={(e) => {
          e.preventDefault();
          if (!reason.trim()) {
            setMissing(true);
            return;
          }
          cancel.mutate({ prescriptionId: p.prescriptionId, reason: reason.trim() });
        }}
        aria-label={t("rx.cancel.title")}
      >
        <Field
          name="reason"
          label={t("rx.cancel.reason")}
          value={reason}
          onChange={(v) => {
            setReason(v);
            setMissing(false);
          }}
          multiline
          isRequired
        />
        <ProblemMessage error={cancel.error} scope="rx.reason" />
        <Button type="submit" className="button danger" isDisabled={cancel.isPending}>
          {t("rx.cancel.submit")}
        </Button>
      </Form>
    </details>
  );
}
