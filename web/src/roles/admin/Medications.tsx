// The pharmacy's medication catalog (PharmacyService.ListMedications with inactive ones,
// searched by the start of a word of the name or generic name, a page at a time): every
// medication with its code, generic name, dosage form, strength, unit price and reorder
// level; a medication created (CreateMedication) or edited (UpdateMedication with the
// version read) with its drug classes and ingredients as comma-separated lists, the
// service's violations shown next to their inputs. There is no delete: a medication no
// longer used is deactivated (active off), and prescriptions and stock keep referring to it.
import { useState } from "react";
import { Button, CheckboxButton, CheckboxField, Form } from "react-aria-components";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { PharmacyService, type Medication } from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { useI18n, type MessageKey } from "../../i18n";
import { toProblem } from "../../api/errors";
import { formatMoney } from "../../format";
import { Field, useFindings, type FormSubmit } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage, fieldErrors } from "../../components/Problem";
import { useRefreshPharmacy } from "../../pharmacy/parts";
import { dosageFormLabel } from "../../pharmacy/rx";
import { PagerControls, SelectField } from "./common";
import { usePager } from "./paging";
import {
  DOSAGE_FORMS,
  errorsByInput,
  medicationDraft,
  medicationOf,
  priceCurrency,
  type MedicationDraft,
  type MedicationProblem,
} from "./medicationForm";
import "./admin.css";

const PROBLEMS: Record<MedicationProblem, MessageKey> = {
  price: "admin.med.priceFormat",
  reorderLevel: "admin.med.reorderFormat",
};

function MedicationForm({
  medication,
  onDone,
}: {
  medication?: Medication;
  onDone: (x: Medication) => void;
}) {
  const { t } = useI18n();
  const refresh = useRefreshPharmacy();
  // A refusal refreshes too: after CONCURRENT_UPDATE the list holds the version to edit.
  const onSettled = () => void refresh();
  const make = useMutation(PharmacyService.method.createMedication, { onSettled });
  const update = useMutation(PharmacyService.method.updateMedication, { onSettled });
  const [draft, setDraft] = useState<MedicationDraft>(() => medicationDraft(medication));
  const { error, setError, local, setLocal, clear } = useFindings();
  const pending = make.isPending || update.isPending;
  const currency = priceCurrency(medication);
  const set = (change: Partial<MedicationDraft>) => {
    clear();
    setDraft((d) => ({ ...d, ...change }));
  };

  const submit = (e: FormSubmit) => {
    e.preventDefault();
    setError(undefined);
    const { medication: input, problems } = medicationOf(draft, currency);
    const texts: Record<string, string> = {};
    for (const [field, problem] of Object.entries(problems)) texts[field] = t(PROBLEMS[problem]);
    setLocal(texts);
    if (Object.keys(texts).length > 0) return;
    const done = {
      onSuccess: (r: { medication?: Medication }) => r.medication && onDone(r.medication),
      onError: setError,
    };
    if (medication) {
      update.mutate(
        { medicationId: medication.medicationId, medication: input, version: medication.version },
        done,
      );
    } else {
      make.mutate({ medication: input }, done);
    }
  };

  const problem = error ? toProblem(error) : undefined;
  const server = errorsByInput(fieldErrors(t, problem));
  if (problem?.reason === "CODE_TAKEN") {
    server.errors["medication.code"] ??= t("admin.med.reason.CODE_TAKEN");
  }
  const errors = { ...server.errors, ...local };
  const title = medication
    ? t("admin.med.editTitle", { name: medication.name })
    : t("admin.med.new");
  const text = (
    name: string,
    key: Exclude<keyof MedicationDraft, "active">,
    label: string,
    more: { hint?: string; isRequired?: boolean; inputMode?: "numeric" | "decimal" } = {},
  ) => (
    <Field
      name={name}
      label={label}
      value={draft[key]}
      onChange={(v) => set({ [key]: v })}
      {...more}
    />
  );
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
          name="medication.code"
          label={t("admin.med.code")}
          hint={t("admin.med.codeHint")}
          value={draft.code}
          onChange={(v) => set({ code: v })}
          isRequired
          isReadOnly={!!medication}
        />
        {text("medication.name", "name", t("admin.med.name"), {
          hint: t("admin.med.nameHint"),
          isRequired: true,
        })}
        {text("medication.generic_name", "genericName", t("admin.med.genericName"), {
          hint: t("admin.med.genericHint"),
          isRequired: true,
        })}
      </div>
      <div className="row">
        {text("medication.drug_classes", "drugClasses", t("admin.med.classes"), {
          hint: t("admin.med.classesHint"),
        })}
        {text("medication.ingredients", "ingredients", t("admin.med.ingredients"), {
          hint: t("admin.med.ingredientsHint"),
          isRequired: true,
        })}
        {text("medication.manufacturer", "manufacturer", t("admin.med.manufacturer"))}
      </div>
      <div className="row">
        <SelectField
          name="medication.dosage_form"
          label={t("admin.med.form")}
          value={draft.dosageForm}
          onChange={(v) => set({ dosageForm: v })}
          error={errors["medication.dosage_form"]}
          options={[
            { value: "0", label: t("rx.form.UNSPECIFIED") },
            ...DOSAGE_FORMS.map((f) => ({ value: String(f), label: t(dosageFormLabel(f)) })),
          ]}
        />
        {text("medication.strength", "strength", t("admin.med.strength"), {
          hint: t("admin.med.strengthHint"),
          isRequired: true,
        })}
        {text("medication.unit_price", "price", t("admin.med.price", { currency }), {
          inputMode: "decimal",
          isRequired: true,
        })}
        {text("medication.reorder_level", "reorderLevel", t("admin.med.reorder"), {
          hint: t("admin.med.reorderHint"),
          inputMode: "numeric",
        })}
      </div>
      <CheckboxField isSelected={draft.active} onChange={(active) => set({ active })}>
        <CheckboxButton className="checkbox">
          <span className="box" aria-hidden="true" />
          {t("admin.med.activeLabel")}
        </CheckboxButton>
      </CheckboxField>
      <p className="meta">{t("admin.med.activeHelp")}</p>
      <ProblemMessage error={error} scope="admin.med.reason" shownFields={server.shown} />
      <div className="actions">
        <Button type="submit" className="button primary" isDisabled={pending}>
          {medication ? t("app.save") : t("admin.med.create")}
        </Button>
      </div>
    </Form>
  );
}

function Row({ medication: x, onEdit }: { medication: Medication; onEdit: () => void }) {
  const { t, lang } = useI18n();
  return (
    <tr className={x.active ? undefined : "inactive"} data-id={x.medicationId}>
      <td>
        <code>{x.code}</code>
      </td>
      <th scope="row">{x.name}</th>
      <td>
        {x.genericName}
        {x.drugClasses.length > 0 && <div className="meta">{x.drugClasses.join(", ")}</div>}
      </td>
      <td>{t(dosageFormLabel(x.dosageForm))}</td>
      <td>{x.strength}</td>
      <td className="num">{x.unitPrice ? formatMoney(x.unitPrice, lang) : ""}</td>
      <td className="num">{x.reorderLevel}</td>
      <td>{t(x.active ? "admin.med.active" : "admin.med.inactive")}</td>
      <td>
        <div className="actions">
          <Button
            className="button small"
            onPress={onEdit}
            aria-label={t("admin.med.editWho", { name: x.name })}
          >
            {t("admin.edit")}
          </Button>
        </div>
      </td>
    </tr>
  );
}

export default function Medications() {
  const { t } = useI18n();
  const pager = usePager();
  const [query, setQuery] = useState("");
  const [editing, setEditing] = useState<Medication | "new" | undefined>();
  const [saved, setSaved] = useState<Medication | undefined>();
  const found = useQuery(PharmacyService.method.listMedications, {
    query: query.trim(),
    includeInactive: true,
    page: pager.page,
  });
  const medications = found.data?.medications ?? [];
  return (
    <section className="admin">
      <div className="title-row">
        <h1>{t("admin.med.title")}</h1>
        <Button
          className="button primary"
          onPress={() => {
            setEditing(editing === "new" ? undefined : "new");
            setSaved(undefined);
          }}
          aria-expanded={editing === "new"}
        >
          {t("admin.med.new")}
        </Button>
      </div>
      <p className="meta">{t("admin.med.help")}</p>
      {saved && (
        <p className="note" role="status" data-id={saved.medicationId}>
          {t("admin.med.saved", { name: saved.name })}
        </p>
      )}
      {editing && (
        <MedicationForm
          key={editing === "new" ? "new" : `${editing.medicationId}-${editing.version.toString()}`}
          medication={editing === "new" ? undefined : editing}
          onDone={(x) => {
            setSaved(x);
            setEditing(undefined);
          }}
        />
      )}
      <div className="toolbar">
        <Field
          label={t("admin.med.search")}
          hint={t("admin.med.searchHint")}
          type="search"
          value={query}
          onChange={(v) => {
            setQuery(v);
            pager.reset();
          }}
        />
      </div>
      <ProblemMessage error={found.error} scope="admin.med.reason" />
      {found.isPending && <Loading />}
      {found.isSuccess && medications.length === 0 && <p>{t("admin.med.none")}</p>}
      {medications.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">{t("admin.med.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.med.code")}</th>
                <th scope="col">{t("admin.med.name")}</th>
                <th scope="col">{t("admin.med.genericName")}</th>
                <th scope="col">{t("admin.med.form")}</th>
                <th scope="col">{t("admin.med.strength")}</th>
                <th scope="col" className="num">
                  {t("admin.med.priceShort")}
                </th>
                <th scope="col" className="num">
                  {t("admin.med.reorderShort")}
                </th>
                <th scope="col">{t("admin.users.state")}</th>
                <th scope="col">{t("admin.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {medications.map((x) => (
                <Row
                  key={x.medicationId}
                  medication={x}
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
        label={t("admin.med.pages")}
      />
    </section>
  );
}
