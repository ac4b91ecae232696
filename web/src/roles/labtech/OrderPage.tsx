// One lab order as the technician works it (LaboratoryService.GetLabOrder): collecting the
// sample (UpdateLabOrderStatus COLLECT_SAMPLE; the accession number it gives is shown
// large), starting processing, then each test's results (EnterLabResults): one input per
// parameter of the catalog test, a number with a unit (the parameter's own, or one it
// converts from) or a value of an ordinal scale. The service computes the flag and the
// range that applied, shown after saving; a refused value shows the service's violation
// next to its input. After release, entering again is an amendment and needs a reason
// (AMEND_REASON_REQUIRED). The instrument's report (PDF, PNG or JPEG, at most 4 MiB) is
// attached to a test (AttachResultFile) and can be opened again (GetResultFile).
import { useId, useState, type ReactNode } from "react";
import { Link, useParams } from "react-router";
import { Button, Form } from "react-aria-components";
import { ConnectError } from "@connectrpc/connect";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import {
  LaboratoryService,
  LabOrderStatus,
  LabStep,
  ParameterKind,
  type LabOrder,
  type AppliedRange,
  type LabOrderItem,
  type LabParameter,
} from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import { useI18n } from "../../i18n";
import { errorReason, toProblem } from "../../api/errors";
import { Field, type FormSubmit } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage, fieldErrors } from "../../components/Problem";
import { SelectField } from "../admin/common";
import {
  CancelLab,
  FlagMark,
  LabStatusBadge,
  OrderFacts,
  FileList,
  ResultsTable,
  useRefreshLab,
  valueText,
} from "../../laboratory/parts";
import { AccessionBarcode } from "../../laboratory/Barcode";
import {
  buildEntry,
  canCancelItem,
  canEnter,
  fileProblem,
  isCritical,
  previewFlag,
  unitChoices,
  violationField,
  type EntryProblem,
  type Typed,
} from "../../laboratory/lab";

const OTHER = "__other";

function Part({ title, children }: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <section className="card rx-part" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function isStale(error: unknown): boolean {
  return !!error && errorReason(ConnectError.from(error)) === "CONCURRENT_UPDATE";
}

function Steps({ order: o }: { order: LabOrder }) {
  const { t } = useI18n();
  const refresh = useRefreshLab();
  const step = useMutation(LaboratoryService.method.updateLabOrderStatus, {
    onSettled: () => void refresh(),
  });
  const toCollect = o.items.some((i) => i.status === LabOrderStatus.REQUESTED);
  const toProcess = o.items.some((i) => i.status === LabOrderStatus.SAMPLE_COLLECTED);
  if (!toCollect && !toProcess) return null;
  return (
    <Part title={t("lab.steps.title")}>
      <ProblemMessage error={step.error} scope="lab.reason" />
      <div className="actions">
        {toCollect && (
          <Button
            className="button primary"
            isDisabled={step.isPending}
            onPress={() =>
              step.mutate({
                orderId: o.orderId,
                step: LabStep.COLLECT_SAMPLE,
                reason: "",
                version: o.version,
              })
            }
          >
            {t("lab.steps.collect")}
          </Button>
        )}
        {toProcess && (
          <Button
            className="button"
            isDisabled={step.isPending}
            onPress={() =>
              step.mutate({
                orderId: o.orderId,
                step: LabStep.START_PROCESSING,
                reason: "",
                version: o.version,
              })
            }
          >
            {t("lab.steps.process")}
          </Button>
        )}
      </div>
    </Part>
  );
}

function problemText(t: ReturnType<typeof useI18n>["t"], problem: EntryProblem): string {
  return problem === "number"
    ? t("lab.entry.numberInvalid")
    : problem === "scale"
      ? t("lab.entry.scaleInvalid")
      : t("lab.entry.unitMissing");
}

/** The flag the typed value will get, and the range it is judged by, as it is typed. */
function FlagPreview({
  parameter: p,
  range,
  typed,
}: {
  parameter: LabParameter;
  range: AppliedRange | undefined;
  typed: Typed;
}) {
  const { t } = useI18n();
  if (!range) return null;
  // "Another unit" chosen but not typed yet: nothing to judge the value by.
  const flag = typed.unit === OTHER ? undefined : previewFlag(p, range, typed);
  return (
    <p className="lab-preview meta" data-preview={p.code} aria-live="polite">
      {range.referenceRange &&
        t("lab.entry.rangeHere", { range: `${range.referenceRange} ${p.unit}` })}
      {flag !== undefined && (
        <>
          {" "}
          {t("lab.entry.willFlag")} <FlagMark flag={flag} />
        </>
      )}
    </p>
  );
}

function ParameterInput({
  parameter: p,
  range,
  typed,
  onChange,
  errors,
}: {
  parameter: LabParameter;
  range: AppliedRange | undefined;
  typed: Typed;
  onChange: (t: Typed) => void;
  errors: Record<string, string>;
}) {
  const { t } = useI18n();
  if (p.kind === ParameterKind.ORDINAL) {
    return (
      <SelectField
        label={p.name}
        name={`${p.code}.scale`}
        value={typed.scale}
        onChange={(scale) => onChange({ ...typed, scale })}
        options={[
          { value: "", label: t("lab.entry.notEntered") },
          ...p.scale.map((s) => ({ value: s, label: s })),
        ]}
        hint={
          p.normalValues.length
            ? t("lab.entry.normal", { values: p.normalValues.join(", ") })
            : undefined
        }
        error={errors[`${p.code}.scale`] ?? errors[`${p.code}.value`]}
      />
    );
  }
  const choices = unitChoices(p);
  const other = typed.unit !== "" && !choices.includes(typed.unit);
  const otherOpen = other || typed.unit === OTHER;
  return (
    <fieldset className="lab-param" data-parameter={p.code}>
      <legend>{p.name}</legend>
      <div className="row">
        <Field
          name={`${p.code}.value`}
          label={t("lab.entry.value", { name: p.name })}
          inputMode="decimal"
          value={typed.value}
          onChange={(value) => onChange({ ...typed, value })}
        />
        <SelectField
          label={t("lab.entry.unit", { name: p.name })}
          value={otherOpen ? OTHER : typed.unit || p.unit}
          onChange={(unit) => onChange({ ...typed, unit: unit === OTHER ? OTHER : unit })}
          options={[
            ...choices.map((u) => ({ value: u, label: u })),
            { value: OTHER, label: t("lab.entry.otherUnit") },
          ]}
          error={otherOpen ? undefined : errors[`${p.code}.unit`]}
        />
        {otherOpen && (
          <Field
            name={`${p.code}.unit`}
            label={t("lab.entry.otherUnitLabel", { name: p.name })}
            hint={t("lab.entry.otherUnitHint")}
            value={typed.unit === OTHER ? "" : typed.unit}
            onChange={(unit) => onChange({ ...typed, unit: unit === "" ? OTHER : unit })}
          />
        )}
      </div>
      <FlagPreview parameter={p} range={range} typed={typed} />
    </fieldset>
  );
}

function EntryForm({ order: o, item }: { order: LabOrder; item: LabOrderItem }) {
  const { t, lang } = useI18n();
  const refresh = useRefreshLab();
  const enter = useMutation(LaboratoryService.method.enterLabResults, {
    onSettled: (_d, error) => {
      if (!error || isStale(error)) void refresh();
    },
  });
  const released = item.status === LabOrderStatus.COMPLETED;
  const [open, setOpen] = useState(!released);
  const [typed, setTyped] = useState<Record<string, Typed>>({});
  const [reason, setReason] = useState("");
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [sent, setSent] = useState<string[]>([]);
  const [saved, setSaved] = useState<{ order: LabOrder; critical: string[] } | undefined>();
  // The terms the order was placed with, which its values are judged by.
  const parameters = item.parameters;
  const problem = enter.error ? toProblem(enter.error) : undefined;
  const amendAsked = released || problem?.reason === "AMEND_REASON_REQUIRED";

  const serverErrors: Record<string, string> = {};
  for (const [field, text] of Object.entries(fieldErrors(t, problem))) {
    const name = violationField(field, sent);
    serverErrors[name ?? field] = text;
  }
  const errors = { ...serverErrors, ...invalid };
  const shown = [
    ...sent.flatMap((_, n) => [
      `results[${String(n)}].unit`,
      `results[${String(n)}].value`,
      `results[${String(n)}].scale_value`,
    ]),
    "amend_reason",
  ];

  const submit = (e: FormSubmit) => {
    e.preventDefault();
    setSaved(undefined);
    const normalised = Object.fromEntries(
      Object.entries(typed).map(([code, v]) => [
        code,
        { ...v, unit: v.unit === OTHER ? "" : v.unit },
      ]),
    );
    const built = buildEntry(parameters, normalised);
    const problems: Record<string, string> = {};
    for (const [code, p] of Object.entries(built.problems)) {
      problems[`${code}.${p === "scale" ? "scale" : p === "unit" ? "unit" : "value"}`] =
        problemText(t, p);
    }
    if (built.inputs.length === 0) problems.none = t("lab.entry.nothing");
    if (amendAsked && !reason.trim()) problems.amend_reason = t("lab.entry.amendNeeded");
    setInvalid(problems);
    if (Object.keys(problems).length > 0) return;
    setSent(built.inputs.map((i) => i.parameterCode));
    enter.mutate(
      {
        orderId: o.orderId,
        itemId: item.itemId,
        results: built.inputs,
        amendReason: amendAsked ? reason.trim() : "",
        version: o.version,
      },
      {
        onSuccess: (r) => {
          if (r.order) setSaved({ order: r.order, critical: r.criticalParameterCodes });
          setTyped({});
          setReason("");
        },
      },
    );
  };

  const savedItem = saved?.order.items.find((i) => i.itemId === item.itemId);
  const savedResults = savedItem?.results.filter((r) => sent.includes(r.parameterCode)) ?? [];

  return (
    <div className="lab-entry">
      {saved && (
        <div className="note" role="status">
          <p>{t("lab.entry.saved")}</p>
          <ul>
            {savedResults.map((r) => (
              <li key={r.parameterCode} className="lab-computed">
                {r.parameterName}: {valueText(r, lang)} {r.unit} <FlagMark flag={r.flag} />{" "}
                {r.referenceRange ? t("lab.entry.rangeWas", { range: r.referenceRange }) : ""}
              </li>
            ))}
          </ul>
          {saved.critical.length > 0 && <p>{t("lab.entry.criticalTold")}</p>}
        </div>
      )}
      {!open ? (
        <Button className="button" onPress={() => setOpen(true)}>
          {t("lab.entry.amend", { test: item.testName })}
        </Button>
      ) : (
        <>
          {parameters.length > 0 && (
            <Form
              className="stack"
              validationBehavior="aria"
              validationErrors={errors}
              onSubmit={submit}
              aria-label={t(amendAsked ? "lab.entry.amendTitle" : "lab.entry.title", {
                test: item.testName,
              })}
            >
              {amendAsked && (
                <>
                  <p className="meta">{t("lab.entry.amendHelp")}</p>
                  <Field
                    name="amend_reason"
                    label={t("lab.entry.amendReason")}
                    value={reason}
                    onChange={(v) => {
                      setReason(v);
                      setInvalid((old) => ({ ...old, amend_reason: "" }));
                    }}
                    multiline
                    isRequired
                  />
                </>
              )}
              {parameters.map((p) => (
                <ParameterInput
                  key={p.code}
                  parameter={p}
                  range={item.appliedRanges.find((r) => r.parameterCode === p.code)}
                  typed={typed[p.code] ?? { value: "", unit: "", scale: "" }}
                  errors={errors}
                  onChange={(v) => {
                    enter.reset();
                    setInvalid({});
                    setTyped((old) => ({ ...old, [p.code]: v }));
                  }}
                />
              ))}
              {invalid.none && (
                <p className="problem" role="alert">
                  {invalid.none}
                </p>
              )}
              {problem?.reason !== "AMEND_REASON_REQUIRED" && (
                <ProblemMessage error={enter.error} scope="lab.reason" shownFields={shown} />
              )}
              <div className="actions">
                <Button type="submit" className="button primary" isDisabled={enter.isPending}>
                  {t(amendAsked ? "lab.entry.amendSubmit" : "lab.entry.submit")}
                </Button>
                {released && (
                  <Button className="button" onPress={() => setOpen(false)}>
                    {t("app.back")}
                  </Button>
                )}
              </div>
            </Form>
          )}
        </>
      )}
    </div>
  );
}

function AttachFile({ order: o, item }: { order: LabOrder; item: LabOrderItem }) {
  const { t } = useI18n();
  const refresh = useRefreshLab();
  const id = useId();
  const attach = useMutation(LaboratoryService.method.attachResultFile, {
    onSuccess: () => void refresh(),
  });
  const [file, setFile] = useState<File | undefined>();
  const [problem, setProblem] = useState("");
  const submit = async (e: FormSubmit) => {
    e.preventDefault();
    if (!file) {
      setProblem(t("lab.file.choose"));
      return;
    }
    const bad = fileProblem(file.size);
    if (bad) {
      setProblem(t(bad === "large" ? "lab.file.tooLarge" : "lab.file.empty"));
      return;
    }
    const content = new Uint8Array(await file.arrayBuffer());
    attach.mutate({ orderId: o.orderId, itemId: item.itemId, fileName: file.name, content });
  };
  return (
    <Form
      className="stack"
      onSubmit={(e) => void submit(e)}
      aria-label={t("lab.file.attachTo", { test: item.testName })}
    >
      <div className="field">
        <label htmlFor={`${id}-f`}>{t("lab.file.label")}</label>
        <input
          id={`${id}-f`}
          type="file"
          accept="application/pdf,image/png,image/jpeg"
          aria-describedby={`${id}-hint${problem ? ` ${id}-err` : ""}`}
          aria-invalid={problem ? true : undefined}
          onChange={(e) => {
            setFile(e.target.files?.[0]);
            setProblem("");
            attach.reset();
          }}
        />
        <span id={`${id}-hint`} slot="description">
          {t("lab.file.hint")}
        </span>
        {problem && (
          <span id={`${id}-err`} className="field-error">
            {problem}
          </span>
        )}
      </div>
      <ProblemMessage error={attach.error} scope="lab.reason" />
      {attach.isSuccess && (
        <p className="note" role="status">
          {t("lab.file.attached", { name: attach.data.file?.fileName ?? "" })}
        </p>
      )}
      <Button type="submit" className="button" isDisabled={attach.isPending}>
        {t("lab.file.attach")}
      </Button>
    </Form>
  );
}

function ItemPart({ order: o, item }: { order: LabOrder; item: LabOrderItem }) {
  const { t } = useI18n();
  return (
    <section className="card rx-part" aria-label={item.testName} data-lab-item={item.testCode}>
      <div className="title-row">
        <h2>{item.testName}</h2>
        <LabStatusBadge status={item.status} />
      </div>
      <p className="meta">
        {item.testCode} · {item.sampleType}
      </p>
      {item.cancelReason && (
        <p className="meta">{t("lab.cancelledBecause", { reason: item.cancelReason })}</p>
      )}
      {item.results.some((r) => isCritical(r.flag)) && (
        <p className="problem" role="note">
          <span aria-hidden="true">⚠ </span>
          {t("lab.entry.criticalHere")}
        </p>
      )}
      <ResultsTable item={item} caption={t("lab.resultsOf", { test: item.testName })} />
      <FileList order={o} item={item} />
      {canEnter(item.status) && <EntryForm key={item.itemId} order={o} item={item} />}
      {item.status !== LabOrderStatus.CANCELLED && item.status !== LabOrderStatus.REQUESTED && (
        <AttachFile order={o} item={item} />
      )}
      {canCancelItem(item) && o.items.length > 1 && <CancelLab order={o} item={item} />}
    </section>
  );
}

export default function OrderPage() {
  const { t } = useI18n();
  const { orderId = "" } = useParams();
  const got = useQuery(LaboratoryService.method.getLabOrder, { orderId }, { enabled: !!orderId });
  const o = got.data?.order;
  return (
    <div className="rx">
      <p>
        <Link to="/lab/worklist">← {t("lab.work.back")}</Link>
      </p>
      <ProblemMessage error={got.error} scope="lab.reason" />
      {got.isPending && <Loading />}
      {o && (
        <>
          <div className="title-row">
            <h1>{t("lab.order.title")}</h1>
            <LabStatusBadge status={o.status} />
          </div>
          {o.accessionNumber && (
            <div className="accession-banner" data-accession={o.accessionNumber}>
              <p>
                {t("lab.accession")}: <strong className="accession">{o.accessionNumber}</strong>
              </p>
              <AccessionBarcode accession={o.accessionNumber} />
            </div>
          )}
          <dl className="facts">
            <div>
              <dt>{t("lab.patient")}</dt>
              <dd>
                <code title={o.patientId}>{o.patientId.slice(-8)}</code>
              </dd>
            </div>
            <div>
              <dt>{t("lab.doctor")}</dt>
              <dd>
                <code title={o.doctorId}>{o.doctorId.slice(-8)}</code>
              </dd>
            </div>
          </dl>
          <OrderFacts order={o} accession={false} />
          <Steps order={o} />
          {o.items.map((i) => (
            <ItemPart key={i.itemId} order={o} item={i} />
          ))}
          {o.items.some(canCancelItem) && <CancelLab order={o} />}
        </>
      )}
    </div>
  );
}
