// Form fields built on React Aria Components: label, input, hint and the server's violation
// of that field (through the enclosing Form's validationErrors, matched by `name`); and the
// findings of a form's last submit, which any edit clears.
import { useState } from "react";
import {
  FieldError,
  Input,
  Label,
  Text,
  TextArea,
  TextField,
  type FormProps,
  type TextFieldProps,
} from "react-aria-components";

/** The submit event of a React Aria Form. */
export type FormSubmit = Parameters<NonNullable<FormProps["onSubmit"]>>[0];

/** A text value of a submitted form; "" for a missing or file field. */
export function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

interface FieldProps extends Omit<TextFieldProps, "children"> {
  label: string;
  hint?: string;
  multiline?: boolean;
}

export function Field({ label, hint, multiline, ...props }: FieldProps) {
  return (
    <TextField {...props} className="field">
      <Label>{label}</Label>
      {multiline ? <TextArea rows={3} /> : <Input />}
      {hint && <Text slot="description">{hint}</Text>}
      <FieldError className="field-error" />
    </TextField>
  );
}

/**
 * The findings of a form's last submit: the service's refusal (`error`) and the form's own
 * checks by field name (`local`). An edit `clear`s both (they are made again on the next
 * submit): kept, an input would show its message again when it loses focus, and the layout
 * moving under a click on the submit button would swallow the click.
 */
export function useFindings() {
  const [error, setError] = useState<unknown>();
  const [local, setLocal] = useState<Record<string, string>>({});
  const clear = () => {
    setError(undefined);
    setLocal({});
  };
  return { error, setError, local, setLocal, clear };
}
