// The vital signs form of the nurse's desk and the doctor's encounter: each measurement with
// its plausible range, checked before sending; what the EHR still refuses is shown next to
// the field it names.
import { useState } from "react";
import { Button, Form } from "react-aria-components";
import { useI18n, type Translate } from "../i18n";
import { toProblem } from "../api/errors";
import { Field, type FormSubmit } from "../components/fields";
import { ProblemMessage } from "../components/Problem";
import {
  bmi,
  parseVitals,
  serverProblem,
  VITALS,
  type Measured,
  type VitalKey,
  type VitalProblem,
} from "./vitals";
import "./vitals.css";

function say(t: Translate, p: VitalProblem): string {
  return t(p.key, p.params);
}

/** The service's violations of vital sign fields, translated where the form knows them. */
function serverErrors(t: Translate, error: unknown): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!error) return errors;
  for (const f of toProblem(error).fields) {
    const known = serverProblem(f.description);
    errors[f.field] = known ? say(t, known) : f.description;
  }
  return errors;
}

export function VitalsForm({
  onSave,
  pending,
  error,
  idPrefix = "vitals",
}: {
  /** Sends the measurements; resolves when stored (the form then empties). */
  onSave: (measured: Measured) => Promise<unknown>;
  pending: boolean;
  error: unknown;
  idPrefix?: string;
}) {
  const { t } = useI18n();
  const [values, setValues] = useState<Partial<Record<VitalKey, string>>>({});
  const [problems, setProblems] = useState<Record<string, string>>({});
  const server = serverErrors(t, error);
  const shown = { ...server, ...problems };
  const general = shown.vital_signs;
  const parsed = parseVitals(values);
  const index = bmi(parsed.measured.weightKg, parsed.measured.heightCm);

  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const { measured, problems: found } = parseVitals(values);
    const translated: Record<string, string> = {};
    for (const [field, p] of Object.entries(found)) translated[field] = say(t, p);
    setProblems(translated);
    if (Object.keys(found).length > 0) return;
    void onSave(measured).then(
      () => setValues({}),
      () => undefined,
    );
  };

  return (
    <Form
      className="vitals-form"
      validationBehavior="aria"
      validationErrors={shown}
      onSubmit={submit}
      aria-label={t("vitals.title")}
    >
      <div className="vitals-grid">
        {VITALS.map((spec) => (
          <Field
            key={spec.key}
            id={`${idPrefix}-${spec.key}`}
            name={spec.field}
            label={`${t(spec.label)} (${spec.unit})`}
            hint={t("vitals.range", { min: spec.min, max: spec.max, unit: spec.unit })}
            inputMode={spec.integer ? "numeric" : "decimal"}
            value={values[spec.key] ?? ""}
            onChange={(v) => {
              setValues((old) => ({ ...old, [spec.key]: v }));
              setProblems((old) =>
                Object.fromEntries(Object.entries(old).filter(([field]) => field !== spec.field)),
              );
            }}
          />
        ))}
      </div>
      {index !== undefined && <p className="note">{t("vitals.bmi", { bmi: index })}</p>}
      {general && (
        <p className="problem" role="alert">
          {general}
        </p>
      )}
      <ProblemMessage error={error} shownFields={Object.keys(server)} />
      <Button type="submit" className="button primary" isDisabled={pending}>
        {t("vitals.save")}
      </Button>
    </Form>
  );
}
