// Asks for a password reset link (UserService.RequestPasswordReset); the answer is the same
// whether or not the email is known.
import { useState } from "react";
import { Link } from "react-router";
import { Button, Form } from "react-aria-components";
import { useMutation } from "@connectrpc/connect-query";
import { UserService } from "@hms/sdk/hms/user/v1/user_pb";
import { useI18n } from "../i18n";
import { toProblem } from "../api/errors";
import { Field, formText, type FormSubmit } from "../components/fields";
import { ProblemMessage, fieldErrors } from "../components/Problem";
import { PublicHeader } from "./PublicHeader";

export default function ForgotPassword() {
  const { t } = useI18n();
  const request = useMutation(UserService.method.requestPasswordReset);
  const [error, setError] = useState<unknown>();

  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const email = formText(new FormData(e.currentTarget), "email").trim();
    setError(undefined);
    request.mutate({ email }, { onError: setError });
  };

  return (
    <section className="card narrow">
      <PublicHeader />
      <h1>{t("auth.forgotTitle")}</h1>
      {request.isSuccess ? (
        <p className="note" role="status">
          {t("auth.linkSent")}
        </p>
      ) : (
        <Form
          validationBehavior="aria"
          validationErrors={fieldErrors(t, error ? toProblem(error) : undefined)}
          onSubmit={submit}
        >
          <p>{t("auth.forgotHelp")}</p>
          <Field
            name="email"
            type="email"
            label={t("auth.email")}
            autoComplete="email"
            isRequired
          />
          <ProblemMessage error={error} shownFields={["email"]} />
          <Button type="submit" className="button primary" isDisabled={request.isPending}>
            {t("auth.sendLink")}
          </Button>
        </Form>
      )}
      <p>
        <Link to="/sign-in">{t("auth.signIn")}</Link>
      </p>
    </section>
  );
}
