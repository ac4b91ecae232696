// The sign-in page: WebSessionService.SignIn sets the session cookie, then back to where
// the person was going (or their role's home).
import { useState } from "react";
import { Link, Navigate, useSearchParams } from "react-router";
import { Button, Form } from "react-aria-components";
import { Code, ConnectError } from "@connectrpc/connect";
import { useI18n, type MessageKey } from "../i18n";
import { useSession, useSessionManager } from "../api/SessionContext";
import { toProblem } from "../api/errors";
import { Field, formText, type FormSubmit } from "../components/fields";
import { ProblemMessage, fieldErrors } from "../components/Problem";
import { PublicHeader } from "./PublicHeader";

/** Only paths of this app: never a redirect to another site. */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignIn() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const state = useSession();
  const manager = useSessionManager();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const ended = params.get("ended");
  const notice = params.get("notice");

  if (state.status === "signed-in") return <Navigate to={safeNext(params.get("next"))} replace />;

  const submit = async (e: FormSubmit) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      await manager.signIn(formText(form, "username"), formText(form, "password"));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const badCredentials =
    error !== undefined &&
    ConnectError.from(error).code === Code.Unauthenticated &&
    !toProblem(error).reason;
  const endedKey = `auth.ended.${ended ?? ""}` as MessageKey;
  const problem = error ? toProblem(error) : undefined;

  return (
    <section className="card narrow">
      <PublicHeader />
      <h1>{t("auth.signInTitle")}</h1>
      {(ended === "revoked" || ended === "expired" || ended === "signed-out") && (
        <p className="note" role="status">
          {t(endedKey)}
        </p>
      )}
      {notice === "registered" && <p className="note">{t("auth.registered")}</p>}
      {notice === "reset" && <p className="note">{t("auth.resetDone")}</p>}
      <Form
        validationBehavior="aria"
        validationErrors={fieldErrors(t, problem)}
        onSubmit={(e) => void submit(e)}
      >
        <Field name="username" label={t("auth.username")} autoComplete="username" isRequired />
        <Field
          name="password"
          type="password"
          label={t("auth.password")}
          autoComplete="current-password"
          isRequired
        />
        {badCredentials ? (
          <p className="problem" role="alert">
            {t("auth.badCredentials")}
          </p>
        ) : (
          <ProblemMessage error={error} shownFields={["username", "password"]} />
        )}
        <Button type="submit" className="button primary" isDisabled={busy}>
          {t("auth.signIn")}
        </Button>
      </Form>
      <p>
        <Link to="/forgot-password">{t("auth.forgot")}</Link>
      </p>
      <p>
        {t("auth.noAccount")} <Link to="/register">{t("auth.register")}</Link>
      </p>
    </section>
  );
}
