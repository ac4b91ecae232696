// Adds a diagnosis to an open encounter: the ICD-10 lookup (EhrService.SearchDiagnosisCodes,
// by code or words in either language) fills in the code and its title; a code may also be
// typed by hand in ICD-10 form.
import { useEffect, useState } from "react";
import { Button, Form, ListBox, ListBoxItem } from "react-aria-components";
import { useQuery } from "@connectrpc/connect-query";
import { EhrService } from "@hms/sdk/hms/ehr/v1/ehr_pb";
import { useI18n } from "../../i18n";
import { toProblem } from "../../api/errors";
import { Field, type FormSubmit } from "../../components/fields";
import { ProblemMessage, fieldErrors } from "../../components/Problem";
import { codeLabel, diagnosisFrom, icd10Form, searchQuery, uniqueCodes } from "./icd10";

/** `value`, once it has not changed for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export interface NewDiagnosis {
  icd10Code: string;
  description: string;
  isPrimary: boolean;
}

export function DiagnosisForm({
  onAdd,
  pending,
  error,
  hasPrimary,
}: {
  onAdd: (d: NewDiagnosis) => Promise<unknown>;
  pending: boolean;
  error: unknown;
  hasPrimary: boolean;
}) {
  const { t, lang } = useI18n();
  const [typed, setTyped] = useState("");
  const query = useSettled(searchQuery(typed), 250);
  const found = useQuery(
    EhrService.method.searchDiagnosisCodes,
    { query, pageSize: 10 },
    { enabled: query !== "", staleTime: 5 * 60_000 },
  );
  const [code, setCode] = useState("");
  const [description, setDescription] = useState("");
  const [primary, setPrimary] = useState(!hasPrimary);
  const [badCode, setBadCode] = useState(false);
  const results = uniqueCodes(found.data?.codes ?? [], 10);

  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const normal = icd10Form(code);
    if (!normal) {
      setBadCode(true);
      return;
    }
    void onAdd({ icd10Code: normal, description: description.trim(), isPrimary: primary }).then(
      () => {
        setCode("");
        setDescription("");
        setTyped("");
        setPrimary(false);
      },
      () => undefined,
    );
  };
  const errors = fieldErrors(t, error ? toProblem(error) : undefined);
  const shown: Record<string, string> = {
    code: errors["diagnosis.icd10_code"] ?? (badCode ? t("enc.codeForm") : ""),
    description: errors["diagnosis.description"] ?? "",
  };

  return (
    <div className="diagnosis-form">
      <div className="field">
        <label htmlFor="icd10-search">{t("enc.searchCode")}</label>
        <input
          id="icd10-search"
          type="search"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          aria-describedby="icd10-search-hint"
          autoComplete="off"
        />
        <span id="icd10-search-hint" className="hint">
          {t("enc.searchHint")}
        </span>
      </div>
      <ProblemMessage error={found.error} />
      {query !== "" && found.isSuccess && results.length === 0 && (
        <p className="note" role="status">
          {t("enc.noCodes")}
        </p>
      )}
      {results.length > 0 && (
        <ListBox
          className="code-results"
          aria-label={t("enc.codesFound")}
          items={results}
          onAction={(key) => {
            const chosen = results.find((c) => c.code === key);
            if (!chosen) return;
            const d = diagnosisFrom(chosen, lang);
            setCode(d.icd10Code);
            setDescription(d.description);
            setBadCode(false);
            document.getElementById("diagnosis-code")?.focus();
          }}
        >
          {(c) => (
            <ListBoxItem id={c.code} textValue={codeLabel(c, lang)} className="code-result">
              <strong>{c.code}</strong> {codeLabel(c, lang).slice(c.code.length + 3)}
            </ListBoxItem>
          )}
        </ListBox>
      )}
      <Form
        className="stack"
        validationBehavior="aria"
        validationErrors={Object.fromEntries(Object.entries(shown).filter(([, v]) => v))}
        onSubmit={submit}
        aria-label={t("enc.addDiagnosis")}
      >
        <div className="row">
          <Field
            id="diagnosis-code"
            name="code"
            label={t("enc.code")}
            value={code}
            onChange={(v) => {
              setCode(v);
              setBadCode(false);
            }}
            isRequired
          />
          <Field
            name="description"
            label={t("enc.diagnosisDescription")}
            value={description}
            onChange={setDescription}
          />
        </div>
        <label className="check">
          <input type="checkbox" checked={primary} onChange={(e) => setPrimary(e.target.checked)} />{" "}
          {t("enc.primary")}
        </label>
        <ProblemMessage
          error={error}
          shownFields={["diagnosis.icd10_code", "diagnosis.description"]}
        />
        <Button type="submit" className="button primary" isDisabled={pending || !code.trim()}>
          {t("enc.addDiagnosis")}
        </Button>
      </Form>
    </div>
  );
}
