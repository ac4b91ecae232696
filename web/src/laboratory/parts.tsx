// Pieces of a lab order that the doctor's, the technician's and the patient's screens
// share: the status and priority badges, the flag (a code, a symbol and words; critical
// ones boxed, never by colour alone), an item's results table (value, unit, reference
// range, flag, amendments with the previous value and reason), the order's facts, a
// refresh of every laboratory query after a change, saving bytes as a file, and
// cancelling an order or one item with a reason.
import { useState } from "react";
import { Button, Form } from "react-aria-components";
import { createConnectQueryKey, useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import {
  LabOrderStatus,
  LabStep,
  LaboratoryService,
  Priority,
  ResultStatus,
  type LabOrder,
  type LabOrderItem,
  type LabResult,
  type ResultFile,
  type Flag,
} from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import { useI18n, type Lang } from "../i18n";
import { formatDateTime, locale } from "../format";
import { useClinicZone } from "../format/zone";
import { Field, type FormSubmit } from "../components/fields";
import { ProblemMessage } from "../components/Problem";
import {
  flagDisplay,
  flagLabel,
  formatValue,
  isCritical,
  labStatusLabel,
  priorityLabel,
  rangeBar,
} from "./lab";
import "./laboratory.css";

/** Every laboratory query again, after a change. */
export function useRefreshLab(): () => Promise<void> {
  const queries = useQueryClient();
  return () =>
    queries.invalidateQueries({
      queryKey: createConnectQueryKey({ schema: LaboratoryService, cardinality: undefined }),
    });
}

export function LabStatusBadge({ status }: { status: LabOrderStatus }) {
  const { t } = useI18n();
  return (
    <span className={`status lab-${LabOrderStatus[status] ?? ""}`}>
      {t(labStatusLabel(status))}
    </span>
  );
}

export function PriorityBadge({ priority }: { priority: Priority }) {
  const { t } = useI18n();
  return (
    <span className={`chip ${priority === Priority.URGENT ? "lab-urgent" : "lab-routine"}`}>
      {t(priorityLabel(priority))}
    </span>
  );
}

export function FlagMark({ flag }: { flag: Flag }) {
  const { t } = useI18n();
  const shown = flagDisplay(flag);
  if (!shown.code) return <span>–</span>;
  return (
    <span className={shown.className} data-flag={shown.code}>
      {shown.symbol && <span aria-hidden="true">{shown.symbol} </span>}
      <strong>{shown.code}</strong> {t(flagLabel(flag))}
    </span>
  );
}

/** The value as shown: an ordinal's word, or the number with the catalog's decimals. */
export function valueText(r: LabResult, lang: Lang): string {
  if (r.scaleValue) return r.scaleValue;
  return r.value === undefined ? "" : formatValue(r.value, r.decimals, locale(lang));
}

/** Where the value sits against its reference range, for the eye (the table reads both). */
export function RangeBar({ result: r }: { result: LabResult }) {
  const bar = rangeBar(r.value, r.rangeLow, r.rangeHigh);
  if (!bar) return null;
  const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
  return (
    <span
      className={`range-bar${bar.outside ? " outside" : ""}`}
      aria-hidden="true"
      data-range-bar={r.parameterCode}
      data-at={bar.at.toFixed(3)}
    >
      <span
        className="band"
        style={{ left: percent(bar.from), width: percent(bar.to - bar.from) }}
      />
      <span className="mark" style={{ left: percent(bar.at) }} />
    </span>
  );
}

/**
 * One item's results: each parameter's value, unit, range and flag; with `bars`, the value
 * drawn against its range, and with `onTrend`, a button per number that asks for its trend.
 */
export function ResultsTable({
  item,
  caption,
  bars = false,
  onTrend,
}: {
  item: LabOrderItem;
  caption: string;
  bars?: boolean;
  onTrend?: (r: LabResult) => void;
}) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  if (item.results.length === 0) return null;
  return (
    <div className="table-wrap">
      <table className="table lab-results">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t("lab.parameter")}</th>
            <th scope="col" className="num">
              {t("lab.value")}
            </th>
            <th scope="col">{t("lab.unit")}</th>
            <th scope="col">{t("lab.range")}</th>
            <th scope="col">{t("lab.flag")}</th>
          </tr>
        </thead>
        <tbody>
          {item.results.map((r) => {
            const entered = valueText(r, lang) !== "";
            return (
              <tr
                key={r.parameterCode}
                data-parameter={r.parameterCode}
                className={isCritical(r.flag) ? "critical" : undefined}
              >
                <th scope="row">
                  {r.parameterName}
                  {(r.status === ResultStatus.AMENDED || r.status === ResultStatus.CORRECTED) && (
                    <p className="meta amended">
                      {t(r.status === ResultStatus.AMENDED ? "lab.amended" : "lab.corrected")}{" "}
                      {t("lab.previous", { previous: r.previous, reason: r.amendReason })}
                    </p>
                  )}
                  {onTrend && entered && r.value !== undefined && (
                    <>
                      {" "}
                      <Button className="button quiet small" onPress={() => onTrend(r)}>
                        {t("mlab.trendShow", { name: r.parameterName })}
                      </Button>
                    </>
                  )}
                </th>
                <td className="num">
                  {entered ? valueText(r, lang) : <span className="meta">{t("lab.noValue")}</span>}
                  {entered && r.entered && !r.entered.endsWith(` ${r.unit}`) && (
                    <small className="meta"> {t("lab.enteredAs", { entered: r.entered })}</small>
                  )}
                </td>
                <td>{r.unit}</td>
                <td>
                  {r.referenceRange || "–"}
                  {bars && entered && (
                    <>
                      {" "}
                      <RangeBar result={r} />
                    </>
                  )}
                </td>
                <td>
                  {entered ? <FlagMark flag={r.flag} /> : "–"}
                  {r.enterTime && entered && (
                    <small className="meta lab-time">
                      {" "}
                      {formatDateTime(r.enterTime, zone, lang)}
                    </small>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Saves `bytes` as a file named `name` (a Blob behind an object URL). */
export function saveBytes(bytes: Uint8Array, name: string, type: string): void {
  const copy = new Uint8Array(bytes);
  const url = URL.createObjectURL(new Blob([copy], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Cancels the order (no `item`) or one item, with a reason. */
export function CancelLab({ order, item }: { order: LabOrder; item?: LabOrderItem }) {
  const { t } = useI18n();
  const refresh = useRefreshLab();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const onSettled = () => void refresh();
  const whole = useMutation(LaboratoryService.method.updateLabOrderStatus, { onSettled });
  const one = useMutation(LaboratoryService.method.updateLabOrderItemStatus, { onSettled });
  const pending = whole.isPending || one.isPending;
  const label = item ? t("lab.cancelItem", { test: item.testName }) : t("lab.cancelOrder");
  const submit = (e: FormSubmit) => {
    e.preventDefault();
    if (!reason.trim()) {
      setMissing(true);
      return;
    }
    const common = {
      orderId: order.orderId,
      step: LabStep.CANCEL,
      reason: reason.trim(),
      version: order.version,
    };
    if (item) one.mutate({ ...common, itemId: item.itemId });
    else whole.mutate(common);
  };
  if (!open) {
    return (
      <Button className="button quiet small" onPress={() => setOpen(true)}>
        {label}
      </Button>
    );
  }
  return (
    <Form
      className="stack lab-cancel"
      validationBehavior="aria"
      validationErrors={missing ? { reason: t("lab.cancelReasonNeeded") } : {}}
      onSubmit={submit}
      aria-label={label}
    >
      <Field
        name="reason"
        label={t("lab.cancelReason")}
        value={reason}
        onChange={(v) => {
          setReason(v);
          setMissing(false);
        }}
        isRequired
      />
      <ProblemMessage
        error={whole.error ?? one.error}
        scope="lab.reason"
        shownFields={["reason"]}
      />
      <div className="actions">
        <Button type="submit" className="button danger" isDisabled={pending}>
          {label}
        </Button>
        <Button className="button" onPress={() => setOpen(false)}>
          {t("app.back")}
        </Button>
      </div>
    </Form>
  );
}

/** The order's facts: priority, when, accession number, notes. */
export function OrderFacts({
  order: o,
  accession = true,
}: {
  order: LabOrder;
  /** Off where the page shows the accession number on its own, large. */
  accession?: boolean;
}) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  return (
    <dl className="facts">
      <div>
        <dt>{t("lab.priority")}</dt>
        <dd>
          <PriorityBadge priority={o.priority} />
        </dd>
      </div>
      <div>
        <dt>{t("lab.ordered")}</dt>
        <dd>{o.createTime ? formatDateTime(o.createTime, zone, lang) : "–"}</dd>
      </div>
      {accession && o.accessionNumber && (
        <div>
          <dt>{t("lab.accession")}</dt>
          <dd>
            <strong className="accession">{o.accessionNumber}</strong>
          </dd>
        </div>
      )}
      {o.notes && (
        <div>
          <dt>{t("lab.notes")}</dt>
          <dd>{o.notes}</dd>
        </div>
      )}
    </dl>
  );
}

/** The result files attached to an item, each saved as a file on request. */
export function FileList({ order, item }: { order: LabOrder; item: LabOrderItem }) {
  const { t } = useI18n();
  const get = useMutation(LaboratoryService.method.getResultFile);
  if (item.files.length === 0) return null;
  const open = (f: ResultFile) =>
    get.mutate(
      { orderId: order.orderId, itemId: item.itemId, fileId: f.fileId },
      { onSuccess: (r) => saveBytes(r.content, f.fileName, f.contentType) },
    );
  return (
    <>
      <ul className="plain-list" aria-label={t("lab.files", { test: item.testName })}>
        {item.files.map((f) => (
          <li key={f.fileId}>
            <Button className="button quiet small" onPress={() => open(f)}>
              {t("lab.file.download", { name: f.fileName })}
            </Button>{" "}
            <small className="meta">
              {f.contentType} · {t("lab.file.kib", { kib: Math.ceil(Number(f.sizeBytes) / 1024) })}
            </small>
          </li>
        ))}
      </ul>
      <ProblemMessage error={get.error} scope="lab.reason" />
    </>
  );
}

/** The printed report of the order's released results, in the reader's language, saved as a PDF. */
export function ReportButton({ order: o }: { order: LabOrder }) {
  const { t, lang } = useI18n();
  const report = useMutation(LaboratoryService.method.getLabReport);
  return (
    <>
      <Button
        className="button"
        isDisabled={report.isPending}
        onPress={() =>
          report.mutate(
            { orderId: o.orderId, language: lang },
            {
              onSuccess: (r) =>
                saveBytes(
                  r.data,
                  `lab-report-${o.accessionNumber || o.orderId}.pdf`,
                  r.contentType || "application/pdf",
                ),
            },
          )
        }
      >
        {t("mlab.report")}
      </Button>
      <ProblemMessage error={report.error} scope="lab.reason" />
    </>
  );
}
