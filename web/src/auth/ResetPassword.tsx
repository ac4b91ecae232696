// The page the reset email links to (/reset-password?token=…): sets the new password with
// UserService.ConfirmPasswordReset.
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { Button, Form } from "react-aria-components";
import { useMutation } from "@connectrpc/connect-query";
import { UserService } from "@hms/sdk/hms/user/v1/user_pb";
import { useI18n } from "../i18n";
import { toProblem } from "../api/errors";
import { Field, formText, type FormSubmit } from "../components/fields";
import { ProblemMessage, fieldErrors } from "../components/Problem";
import { PublicHeader } from "./PublicHeader";

export default function ResetPassword() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = params.get("token") ?? "";
  const confirm = useMutation(UserService.method.confirmPasswordReset);
  const [error, setError] = useState<unknown>();

  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const newPassword = formText(new FormData(e.currentTarget), "new_password");
    setError(undefined);
    confirm.mutate(
      { token, newPassword },
      { onSuccess: () => void navigate("/sign-in?notice=reset"), onError: setError },
    );
  };

  return (
    <section className="card narrow">
      <PublicHeader />
      <h1>{t("auth.resetTitle")}</h1>
      {token ? (
        <Form
          validationBehavior="aria"
          validationErrors={fieldErrors(t, error ? toProblem(error) : undefined)}
          onSubmit={submit}
        >
          <Field
            name="new_password"
            type="password"
            label={t("auth.newPassword")}
            hint={t("auth.passwordHint")}
            autoComplete="new-password"
            isRequired
          />
          <ProblemMessage error={error} shownFields={["new_password"]} />
          <Button type="submit" className="button primary" isDisabled={confirm.isPending}>
            {t("auth.setPassword")}
          </Button>
        </Form>
      ) : (
        <p className="problem" role="alert">
          {t("auth.resetMissing")}
        </p>
      )}
      <p>
        <Link to="/forgot-password">{t("auth.forgot")}</Link>
      </p>
    </section>
  );
}
