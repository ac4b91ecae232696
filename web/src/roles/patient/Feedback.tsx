// The page the feedback email links to (/feedback?appointment_id=…): a rating of 1 to 5
// and a comment, once per completed appointment.
import { useState } from "react";
import { Button, Label, RadioButton, RadioField, RadioGroup } from "react-aria-components";
import { useSearchParams } from "react-router";
import { Code, ConnectError } from "@connectrpc/connect";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { AppointmentService } from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../format";
import { useClinicZone } from "../../format/zone";
import { knownName } from "../../api/names";
import { Field } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { useServiceNames } from "./appointments";

export default function Feedback() {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const [params] = useSearchParams();
  const appointmentId = params.get("appointment_id") ?? "";
  const names = useServiceNames();
  const appointment = useQuery(
    AppointmentService.method.getAppointment,
    { appointmentId },
    { enabled: !!appointmentId },
  );
  const existing = useQuery(
    AppointmentService.method.getFeedback,
    { appointmentId },
    { enabled: !!appointmentId },
  );
  const submit = useMutation(AppointmentService.method.submitFeedback);
  const [rating, setRating] = useState("");
  const [comment, setComment] = useState("");

  if (!appointmentId) {
    return (
      <p className="problem" role="alert">
        {t("feedback.missing")}
      </p>
    );
  }
  const a = appointment.data?.appointment;
  const given = submit.data?.feedback ?? existing.data?.feedback;
  const noFeedbackYet =
    existing.isError && ConnectError.from(existing.error).code === Code.NotFound;

  return (
    <section className="card narrow">
      <h1>{t("feedback.title")}</h1>
      {a && (
        <p className="lead">
          {t("feedback.visit", {
            service: names.get(a.serviceId) ?? "",
            doctor: knownName(a.doctorId) ?? t("book.doctorFallback"),
            time: a.startTime ? formatDateTime(a.startTime, zone, lang) : "",
          })}
        </p>
      )}
      <ProblemMessage error={appointment.error ?? (noFeedbackYet ? undefined : existing.error)} />
      {(appointment.isPending || existing.isPending) && <Loading />}
      {submit.isSuccess && (
        <p className="note" role="status">
          {t("feedback.thanks")}
        </p>
      )}
      {given && !submit.isSuccess && (
        <p className="note">{t("feedback.already", { n: given.rating })}</p>
      )}
      {noFeedbackYet && !submit.isSuccess && (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            submit.mutate({ appointmentId, rating: Number(rating), comment });
          }}
        >
          <RadioGroup
            value={rating}
            onChange={setRating}
            orientation="horizontal"
            className="stars"
          >
            <Label>{t("feedback.rating")}</Label>
            {[1, 2, 3, 4, 5].map((n) => (
              <RadioField key={n} value={String(n)} aria-label={t("feedback.stars", { n })}>
                <RadioButton>
                  <span aria-hidden="true">{n} ★</span>
                </RadioButton>
              </RadioField>
            ))}
          </RadioGroup>
          <Field label={t("feedback.comment")} value={comment} onChange={setComment} multiline />
          <ProblemMessage error={submit.error} />
          <Button type="submit" className="button primary" isDisabled={!rating || submit.isPending}>
            {t("feedback.send")}
          </Button>
        </form>
      )}
    </section>
  );
}
