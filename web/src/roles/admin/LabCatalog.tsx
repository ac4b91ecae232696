// The laboratory's test catalog (LaboratoryService.ListLabTests with inactive ones): every
// test with its code, sample type, turnaround, price and parameters; a test created or
// edited (UpdateLabTest with the version read) with its parameters (code, name, kind,
// unit, decimals, an ordinal's scale) and each number's reference ranges (sex, age band in
// years or days, reference and critical limits, source), the service's violations shown
// next to their inputs; unit conversions are shown and kept as they are. A test no order uses can be deleted
// (DeleteLabTest with its version); one in use is refused (LAB_TEST_IN_USE): deactivate it.
import { useState } from "react";
import {
  Button,
  CheckboxButton,
  CheckboxField,
  Dialog,
  Form,
  Heading,
  Modal,
  ModalOverlay,
} from "react-aria-components";
import { create } from "@bufbuild/protobuf";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import {
  LaboratoryService,
  LabParameterSchema,
  ParameterKind,
  ReferenceRangeSchema,
  type LabParameter,
  type LabTest,
} from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import { useI18n } from "../../i18n";
import { toProblem } from "../../api/errors";
import { formatMoney } from "../../format";
import { Field, useFindings, type FormSubmit } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage, fieldErrors } from "../../components/Problem";
import { useRefreshLab } from "../../laboratory/parts";
import { PagerControls, SelectField } from "./common";
import { usePager } from "./paging";
import { amountInput, parseAmount } from "./money";
import { parseEnum } from "./enums";
import { rangeDraft, rangeOf, type RangeDraft } from "./labRanges";
import { RangeRows, rangeProblemText } from "./RangeRows";
import "./admin.css";

interface ParamDraft {
  parameter: LabParameter;
  code: string;
  name: string;
  kind: string;
  unit: string;
  decimals: string;
  scale: string;
  normal: string;
  ranges: RangeDraft[];
}

function draftOf(p: LabParameter): ParamDraft {
  return {
    parameter: p,
    code: p.code,
    name: p.name,
    kind: String(p.kind || ParameterKind.QUANTITATIVE),
    unit: p.unit,
    decimals: String(p.decimals),
    scale: p.scale.join(", "),
    normal: p.normalValues.join(", "),
    ranges: p.ranges.map(rangeDraft),
  };
}

const list = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

function TestForm({ test, onDone }: { test?: LabTest; onDone: (x: LabTest) => void }) {
  const { t } = useI18n();
  const refresh = useRefreshLab();
  const onSuccess = () => void refresh();
  const make = useMutation(LaboratoryService.method.createLabTest, { onSuccess });
  const update = useMutation(LaboratoryService.method.updateLabTest, { onSuccess });
  const [code, setCode] = useState(test?.code ?? "");
  const [name, setName] = useState(test?.name ?? "");
  const [sample, setSample] = useState(test?.sampleType ?? "");
  const [hours, setHours] = useState(String(test?.turnaroundHours ?? 24));
  const [price, setPrice] = useState(
    test?.price ? amountInput(test.price.amountMinor, test.price.currency) : "",
  );
  const [active, setActive] = useState(test?.active ?? true);
  const [params, setParams] = useState<ParamDraft[]>(
    test?.parameters.map(draftOf) ?? [
      draftOf(create(LabParameterSchema, { kind: ParameterKind.QUANTITATIVE })),
    ],
  );
  const { error, setError, local, setLocal, clear } = useFindings();
  const pending = make.isPending || update.isPending;
  const currency = test?.price?.currency || "VND";

  const edited =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      clear();
      set(value);
    };
  const setParam = (i: number, change: Partial<ParamDraft>) => {
    clear();
    setParams((old) => old.map((p, n) => (n === i ? { ...p, ...change } : p)));
  };

  const submit = (e: FormSubmit) => {
    e.preventDefault();
    setError(undefined);
    const amount = parseAmount(price, currency);
    const problems: Record<string, string> = {};
    if (!amount.ok) problems["test.price"] = t("admin.lab.priceFormat");
    if (!/^\d+$/.test(hours.trim())) problems["test.turnaround_hours"] = t("admin.lab.hoursFormat");
    const ranges = params.map((p, i) =>
      p.ranges.map((r, n) => {
        const built = rangeOf(r);
        for (const [field, problem] of Object.entries(built.problems)) {
          problems[`test.parameters[${String(i)}].ranges[${String(n)}].${field}`] =
            rangeProblemText(t, problem);
        }
        return built.range;
      }),
    );
    params.forEach((p, i) => {
      if (!/^\d+$/.test(p.decimals.trim())) {
        problems[`test.parameters[${String(i)}].decimals`] = t("admin.lab.decimalsFormat");
      }
    });
    setLocal(problems);
    if (Object.keys(problems).length > 0 || !amount.ok) return;
    const input = {
      code: code.trim(),
      name: name.trim(),
      sampleType: sample.trim(),
      turnaroundHours: Number(hours.trim()),
      price: { amountMinor: amount.minor, currency },
      active,
      parameters: params.map((p, i) => {
        const kind = parseEnum(ParameterKind, p.kind, ParameterKind.QUANTITATIVE);
        return {
          ...p.parameter,
          code: p.code.trim(),
          name: p.name.trim(),
          kind,
          unit: kind === ParameterKind.ORDINAL ? "" : p.unit.trim(),
          decimals: Number(p.decimals.trim()),
          scale: kind === ParameterKind.ORDINAL ? list(p.scale) : [],
          normalValues: kind === ParameterKind.ORDINAL ? list(p.normal) : [],
          ranges:
            kind === ParameterKind.ORDINAL
              ? []
              : (ranges[i] ?? []).map((r) => create(ReferenceRangeSchema, r)),
        };
      }),
    };
    const done = {
      onSuccess: (r: { test?: LabTest }) => r.test && onDone(r.test),
      onError: setError,
    };
    if (test) update.mutate({ testId: test.testId, test: input, version: test.version }, done);
    else make.mutate({ test: input }, done);
  };

  const errors = { ...fieldErrors(t, error ? toProblem(error) : undefined), ...local };
  const title = test ? t("admin.lab.editTitle", { name: test.name }) : t("admin.lab.new");
  return (
    <Form
      validationBehavior="aria"
      validationErrors={errors}
      onSubmit={submit}
      className="card stack"
      aria-label={title}
    >
      <h2>{title}</h2>
      <div className="row">
        <Field
          name="test.code"
          label={t("admin.lab.code")}
          hint={t("admin.lab.codeHint")}
          value={code}
          onChange={edited(setCode)}
          isRequired
          isReadOnly={!!test}
        />
        <Field
          name="test.name"
          label={t("admin.lab.name")}
          value={name}
          onChange={edited(setName)}
          isRequired
        />
      </div>
      <div className="row">
        <Field
          name="test.sample_type"
          label={t("admin.lab.sample")}
          value={sample}
          onChange={edited(setSample)}
          isRequired
        />
        <Field
          name="test.turnaround_hours"
          label={t("admin.lab.turnaround")}
          inputMode="numeric"
          value={hours}
          onChange={edited(setHours)}
          isRequired
        />
        <Field
          name="test.price"
          label={t("admin.lab.price", { currency })}
          inputMode="decimal"
          value={price}
          onChange={edited(setPrice)}
          isRequired
        />
      </div>
      <CheckboxField isSelected={active} onChange={edited(setActive)}>
        <CheckboxButton className="checkbox">
          <span className="box" aria-hidden="true" />
          {t("admin.lab.activeLabel")}
        </CheckboxButton>
      </CheckboxField>
      <h3>{t("admin.lab.parameters")}</h3>
      {params.map((p, i) => {
        const name = (f: string) => `test.parameters[${String(i)}].${f}`;
        const ordinal = p.kind === String(ParameterKind.ORDINAL);
        return (
          <fieldset key={i} className="rx-draft">
            <legend>{t("admin.lab.parameterN", { n: i + 1, name: p.name })}</legend>
            <div className="row">
              <Field
                name={name("code")}
                label={t("admin.lab.paramCode")}
                value={p.code}
                onChange={(v) => setParam(i, { code: v })}
                isRequired
              />
              <Field
                name={name("name")}
                label={t("admin.lab.paramName")}
                value={p.name}
                onChange={(v) => setParam(i, { name: v })}
                isRequired
              />
              <SelectField
                label={t("admin.lab.kind")}
                value={p.kind}
                onChange={(v) => setParam(i, { kind: v })}
                options={[
                  {
                    value: String(ParameterKind.QUANTITATIVE),
                    label: t("admin.lab.kind.QUANTITATIVE"),
                  },
                  { value: String(ParameterKind.ORDINAL), label: t("admin.lab.kind.ORDINAL") },
                ]}
                error={errors[name("kind")]}
              />
              {!ordinal && (
                <Field
                  name={name("unit")}
                  label={t("admin.lab.unit")}
                  hint={t("admin.lab.unitHint")}
                  value={p.unit}
                  onChange={(v) => setParam(i, { unit: v })}
                />
              )}
              <Field
                name={name("decimals")}
                label={t("admin.lab.decimals")}
                inputMode="numeric"
                value={p.decimals}
                onChange={(v) => setParam(i, { decimals: v })}
              />
            </div>
            {ordinal && (
              <div className="row">
                <Field
                  name={name("scale")}
                  label={t("admin.lab.scale")}
                  hint={t("admin.lab.scaleHint")}
                  value={p.scale}
                  onChange={(v) => setParam(i, { scale: v })}
                />
                <Field
                  name={name("normal_values")}
                  label={t("admin.lab.normal")}
                  value={p.normal}
                  onChange={(v) => setParam(i, { normal: v })}
                />
              </div>
            )}
            {!ordinal && (
              <RangeRows
                parameter={p.name || String(i + 1)}
                name={(n, f) => name(`ranges[${String(n)}]${f ? `.${f}` : ""}`)}
                ranges={p.ranges}
                errors={errors}
                onChange={(ranges) => setParam(i, { ranges })}
              />
            )}
            {p.parameter.conversions.length > 0 && (
              <p className="meta">
                {t("admin.lab.conversions", {
                  units: p.parameter.conversions.map((c) => c.unit).join(", "),
                })}
              </p>
            )}
            {params.length > 1 && (
              <Button
                className="button quiet small"
                onPress={() => setParams((old) => old.filter((_, n) => n !== i))}
              >
                {t("admin.lab.removeParam", { name: p.name || String(i + 1) })}
              </Button>
            )}
          </fieldset>
        );
      })}
      <Button
        className="button small"
        onPress={() =>
          setParams((old) => [
            ...old,
            draftOf(create(LabParameterSchema, { kind: ParameterKind.QUANTITATIVE })),
          ])
        }
      >
        {t("admin.lab.addParam")}
      </Button>
      <ProblemMessage error={error} scope="lab.reason" shownFields={Object.keys(errors)} />
      <div className="actions">
        <Button type="submit" className="button primary" isDisabled={pending}>
          {test ? t("app.save") : t("admin.lab.create")}
        </Button>
      </div>
    </Form>
  );
}

function DeleteDialog({ test, onClose }: { test: LabTest; onClose: () => void }) {
  const { t } = useI18n();
  const refresh = useRefreshLab();
  const remove = useMutation(LaboratoryService.method.deleteLabTest, {
    onSuccess: () => {
      onClose();
      return refresh();
    },
  });
  return (
    <ModalOverlay
      isOpen
      isDismissable
      onOpenChange={(open) => !open && onClose()}
      className="overlay"
    >
      <Modal className="modal">
        <Dialog className="dialog" role="alertdialog">
          <Heading slot="title">{t("admin.lab.deleteWho", { name: test.name })}</Heading>
          <p>{t("admin.lab.deleteHelp")}</p>
          <ProblemMessage error={remove.error} scope="lab.reason" />
          <div className="actions">
            <Button className="button" onPress={onClose}>
              {t("app.back")}
            </Button>
            <Button
              className="button danger"
              isDisabled={remove.isPending}
              onPress={() => remove.mutate({ testId: test.testId, version: test.version })}
            >
              {t("admin.delete")}
            </Button>
          </div>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

function Row({ test: x, onEdit }: { test: LabTest; onEdit: () => void }) {
  const { t, lang } = useI18n();
  const [deleting, setDeleting] = useState(false);
  return (
    <tr className={x.active ? undefined : "inactive"} data-id={x.testId}>
      <td>
        <code>{x.code}</code>
      </td>
      <th scope="row">{x.name}</th>
      <td>{x.sampleType}</td>
      <td className="num">{t("admin.lab.hours", { hours: x.turnaroundHours })}</td>
      <td className="num">{x.price ? formatMoney(x.price, lang) : ""}</td>
      <td>{x.parameters.map((p) => (p.unit ? `${p.name} (${p.unit})` : p.name)).join("; ")}</td>
      <td>{t(x.active ? "admin.services.active" : "admin.services.inactive")}</td>
      <td>
        <div className="actions">
          <Button
            className="button small"
            onPress={onEdit}
            aria-label={t("admin.lab.editWho", { name: x.name })}
          >
            {t("admin.edit")}
          </Button>
          <Button
            className="button small danger"
            onPress={() => setDeleting(true)}
            aria-label={t("admin.lab.deleteWho", { name: x.name })}
          >
            {t("admin.delete")}
          </Button>
        </div>
        {deleting && <DeleteDialog test={x} onClose={() => setDeleting(false)} />}
      </td>
    </tr>
  );
}

export default function LabCatalog() {
  const { t } = useI18n();
  const pager = usePager();
  const [query, setQuery] = useState("");
  const [editing, setEditing] = useState<LabTest | "new" | undefined>();
  const [saved, setSaved] = useState<LabTest | undefined>();
  const found = useQuery(LaboratoryService.method.listLabTests, {
    query: query.trim(),
    includeInactive: true,
    page: pager.page,
  });
  const tests = found.data?.tests ?? [];
  return (
    <section className="admin">
      <div className="title-row">
        <h1>{t("admin.lab.title")}</h1>
        <Button
          className="button primary"
          onPress={() => {
            setEditing(editing === "new" ? undefined : "new");
            setSaved(undefined);
          }}
          aria-expanded={editing === "new"}
        >
          {t("admin.lab.new")}
        </Button>
      </div>
      <p className="meta">{t("admin.lab.help")}</p>
      {saved && (
        <p className="note" role="status" data-id={saved.testId}>
          {t("admin.lab.saved", { name: saved.name })}
        </p>
      )}
      {editing && (
        <TestForm
          key={editing === "new" ? "new" : `${editing.testId}-${editing.version.toString()}`}
          test={editing === "new" ? undefined : editing}
          onDone={(x) => {
            setSaved(x);
            setEditing(undefined);
          }}
        />
      )}
      <div className="toolbar">
        <Field
          label={t("admin.lab.search")}
          type="search"
          value={query}
          onChange={(v) => {
            setQuery(v);
            pager.reset();
          }}
        />
      </div>
      <ProblemMessage error={found.error} scope="lab.reason" />
      {found.isPending && <Loading />}
      {found.isSuccess && tests.length === 0 && <p>{t("admin.lab.none")}</p>}
      {tests.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">{t("admin.lab.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.lab.code")}</th>
                <th scope="col">{t("admin.lab.name")}</th>
                <th scope="col">{t("admin.lab.sample")}</th>
                <th scope="col" className="num">
                  {t("admin.lab.turnaroundShort")}
                </th>
                <th scope="col" className="num">
                  {t("admin.lab.priceShort")}
                </th>
                <th scope="col">{t("admin.lab.parameters")}</th>
                <th scope="col">{t("admin.users.state")}</th>
                <th scope="col">{t("admin.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {tests.map((x) => (
                <Row
                  key={x.testId}
                  test={x}
                  onEdit={() => {
                    setEditing(x);
                    setSaved(undefined);
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PagerControls
        pager={pager}
        nextToken={found.data?.page?.nextPageToken}
        label={t("admin.lab.pages")}
      />
    </section>
  );
}
