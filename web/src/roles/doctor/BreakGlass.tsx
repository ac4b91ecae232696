// Without a care relationship the EHR refuses the chart: the refusal as a sentence, and
// break-glass (EhrService.BreakGlass) with its mandatory reason for an emergency. While the
// grant lasts, every chart page of the patient carries the red emergency banner.
import { useState } from "react";
import { Button, Form } from "react-aria-components";
import { useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { EhrService } from "@hms/sdk/hms/ehr/v1/ehr_pb";
import { useI18n } from "../../i18n";
import { formatTime } from "../../format";
import { useClinicZone } from "../../format/zone";
import { toProblem } from "../../api/errors";
import { Field, type FormSubmit } from "../../components/fields";
import { ProblemMessage, fieldErrors } from "../../components/Problem";
import { remember, useGrant } from "./access";

const MIN_REASON = 10;

/** True when `error` is the EHR's refusal for want of a care relationship. */
export function isNoCare(error: unknown): boolean {
  return !!error && toProblem(error).reason === "NO_CARE_RELATIONSHIP";
}

export function BreakGlassOffer({ patientId }: { patientId: string }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const breakGlass = useMutation(EhrService.method.breakGlass);
  const [reason, setReason] = useState("");
  const [short, setShort] = useState(false);
  const submit = (e: FormSubmit) => {
    e.preventDefault();
    if (reason.trim().length < MIN_REASON) {
      setShort(true);
      return;
    }
    breakGlass.mutate(
      { patientId, reason: reason.trim() },
      {
        onSuccess: (r) => {
          if (r.grant) remember(r.grant);
          void queries.invalidateQueries();
        },
      },
    );
  };
  const errors = fieldErrors(t, breakGlass.error ? toProblem(breakGlass.error) : undefined);
  if (short) errors.reason = t("chart.breakGlassShort", { min: MIN_REASON });
  return (
    <section className="refusal" aria-labelledby="no-care">
      <h2 id="no-care">{t("chart.noCareTitle")}</h2>
      <p>{t("reason.NO_CARE_RELATIONSHIP")}</p>
      <div className="break-glass">
        <h3>{t("chart.breakGlass")}</h3>
        <p>{t("chart.breakGlassHelp")}</p>
        <Form validationBehavior="aria" validationErrors={errors} onSubmit={submit}>
          <Field
            name="reason"
            label={t("chart.breakGlassReason")}
            hint={t("chart.breakGlassHint", { min: MIN_REASON })}
            value={reason}
            onChange={(v) => {
              setReason(v);
              setShort(false);
            }}
            isRequired
            multiline
          />
          <ProblemMessage error={breakGlass.error} shownFields={["reason"]} />
          <Button type="submit" className="button danger" isDisabled={breakGlass.isPending}>
            {t("chart.breakGlassButton")}
          </Button>
        </Form>
      </div>
    </section>
  );
}

/** The red banner of a running break-glass grant; nothing otherwise. */
export function EmergencyBanner({ patientId }: { patientId: string }) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const grant = useGrant(patientId);
  if (!grant) return null;
  return (
    <div className="emergency-banner" role="region" aria-label={t("chart.emergency")}>
      <p>
        <strong>{t("chart.emergency")}</strong> — {t("chart.emergencyAudited")}
      </p>
      <p>
        {t("chart.emergencyUntil", { time: formatTime(new Date(grant.expireMs), zone, lang) })}{" "}
        {t("chart.emergencyReason", { reason: grant.reason })}
      </p>
    </div>
  );
}

/** The standing notice of every chart page: access is audited. */
export function AuditNotice() {
  const { t } = useI18n();
  return <p className="audit-notice">{t("chart.audited")}</p>;
}
