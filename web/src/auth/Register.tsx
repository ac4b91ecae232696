// Self-registration of a patient (UserService.Register), in the page's language.
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { Button, Form } from "react-aria-components";
import { useMutation } from "@connectrpc/connect-query";
import { UserService } from "@hms/sdk/hms/user/v1/user_pb";
import { useI18n } from "../i18n";
import { toProblem } from "../api/errors";
import { Field, formText, type FormSubmit } from "../components/fields";
import { ProblemMessage, fieldErrors } from "../components/Problem";
import { PublicHeader } from "./PublicHeader";

const FIELDS = ["username", "email", "password", "phone_number", "first_name", "last_name"];

export default function Register() {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const register = useMutation(UserService.method.register);
  const [error, setError] = useState<unknown>();

  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const value = (name: string) => formText(form, name).trim();
    setError(undefined);
    register.mutate(
      {
        username: value("username"),
        email: value("email"),
        password: formText(form, "password"),
        phoneNumber: value("phone_number"),
        firstName: value("first_name"),
        lastName: value("last_name"),
        preferredLanguage: lang,
      },
      {
        onSuccess: () => void navigate("/sign-in?notice=registered"),
        onError: setError,
      },
    );
  };

  return (
    <section className="card narrow">
      <PublicHeader />
      <h1>{t("auth.registerTitle")}</h1>
      <Form
        validationBehavior="aria"
        validationErrors={fieldErrors(t, error ? toProblem(error) : undefined)}
        onSubmit={submit}
      >
        <div className="row">
          <Field name="first_name" label={t("auth.firstName")} autoComplete="given-name" />
          <Field name="last_name" label={t("auth.lastName")} autoComplete="family-name" />
        </div>
        <Field name="username" label={t("auth.newUsername")} autoComplete="username" isRequired />
        <Field name="email" type="email" label={t("auth.email")} autoComplete="email" isRequired />
        <Field name="phone_number" type="tel" label={t("auth.phone")} autoComplete="tel" />
        <Field
          name="password"
          type="password"
          label={t("auth.password")}
          hint={t("auth.passwordHint")}
          autoComplete="new-password"
          isRequired
        />
        <ProblemMessage error={error} shownFields={FIELDS} />
        <Button type="submit" className="button primary" isDisabled={register.isPending}>
          {t("auth.register")}
        </Button>
      </Form>
      <p>
        {t("auth.haveAccount")} <Link to="/sign-in">{t("auth.signIn")}</Link>
      </p>
    </section>
  );
}
