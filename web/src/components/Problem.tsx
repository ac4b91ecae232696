// A refused call shown to the person: one sentence in their language, with the field
// violations that no form field displays listed under it.
import { useI18n, describeField, describeProblem, type Translate } from "../i18n";
import { toProblem, type Problem } from "../api/errors";

/** Field violations by form field name, translated, for a React Aria Form's validationErrors. */
export function fieldErrors(t: Translate, problem: Problem | undefined): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const f of problem?.fields ?? []) {
    const sentence = describeField(t, f);
    // "Email: is required" reads badly under the Email field itself: keep the description.
    const description = sentence.slice(sentence.indexOf(": ") + 2);
    errors[f.field] = errors[f.field] ? `${errors[f.field]} ${description}` : description;
  }
  if (problem?.reason === "ALREADY_TAKEN" && problem.metadata.field) {
    errors[problem.metadata.field] ??= describeProblem(t, problem);
  }
  return errors;
}

export function ProblemMessage({
  error,
  shownFields = [],
  scope,
}: {
  error: unknown;
  /** Fields the form shows next to their inputs. */
  shownFields?: string[];
  /** Where the screen's own reason sentences are (see describeProblem). */
  scope?: string;
}) {
  const { t } = useI18n();
  if (!error) return null;
  const problem = toProblem(error);
  const rest = problem.fields.filter((f) => !shownFields.includes(f.field));
  return (
    <div className="problem" role="alert">
      <p>{describeProblem(t, problem, scope)}</p>
      {rest.length > 0 && (
        <ul>
          {rest.map((f) => (
            <li key={f.field}>{describeField(t, f)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
