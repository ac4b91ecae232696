// Staff view of a day's or week's appointments (AppointmentService.GetScheduleReport) with
// the step each one waits for: confirm a request, check a patient in.
import { lazy, Suspense, useEffect, type ReactNode } from "react";
import { Button } from "react-aria-components";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import {
  AppointmentService,
  AppointmentStatus,
  ReportPeriod,
  type Appointment,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { useI18n } from "../i18n";
import { addDays, dayInZone, formatDateTime, formatTime } from "../format";
import { learnZone, useClinicZone } from "../format/zone";
import { Loading } from "../components/Loading";
import { ProblemMessage } from "../components/Problem";
import { statusLabel, useServiceNames } from "../roles/patient/appointments";

const StatusChart = lazy(() => import("./StatusChart"));

function Actions({
  appointment: a,
  canComplete,
  extra,
}: {
  appointment: Appointment;
  canComplete: boolean;
  extra?: ReactNode;
}) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const onSuccess = () =>
    queries.invalidateQueries({
      queryKey: createConnectQueryKey({ schema: AppointmentService, cardinality: undefined }),
    });
  const confirm = useMutation(AppointmentService.method.confirmAppointment, { onSuccess });
  const checkIn = useMutation(AppointmentService.method.checkInAppointment, { onSuccess });
  const complete = useMutation(AppointmentService.method.completeAppointment, { onSuccess });
  return (
    <div className="actions">
      {a.status === AppointmentStatus.PENDING && (
        <Button
          className="button primary small"
          isDisabled={confirm.isPending}
          onPress={() => confirm.mutate({ appointmentId: a.id })}
        >
          {t("work.confirm")}
        </Button>
      )}
      {a.status === AppointmentStatus.CONFIRMED && (
        <Button
          className="button small"
          isDisabled={checkIn.isPending}
          onPress={() => checkIn.mutate({ appointmentId: a.id })}
        >
          {t("work.checkIn")}
        </Button>
      )}
      {canComplete && a.status === AppointmentStatus.CHECKED_IN && (
        <Button
          className="button small"
          isDisabled={complete.isPending}
          onPress={() => complete.mutate({ appointmentId: a.id })}
        >
          {t("work.complete")}
        </Button>
      )}
      {extra}
      <ProblemMessage error={confirm.error ?? checkIn.error ?? complete.error} />
    </div>
  );
}

export function ScheduleTable({
  period,
  only,
  chart = false,
  canComplete = false,
  daysAhead = 0,
  actions,
}: {
  period: ReportPeriod;
  /** Only appointments of these statuses. */
  only?: AppointmentStatus[];
  chart?: boolean;
  /** Doctors may complete a checked-in visit here too (the encounter screen also does). */
  canComplete?: boolean;
  /** The period around this many days from today (7 with WEEK: next week). */
  daysAhead?: number;
  /** A role's own steps for a row (the doctor's encounter, the nurse's vital signs). */
  actions?: (a: Appointment) => ReactNode;
}) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const names = useServiceNames();
  const report = useQuery(AppointmentService.method.getScheduleReport, {
    period,
    date: addDays(dayInZone(new Date(), zone), daysAhead),
  });
  const data = report.data;
  useEffect(() => learnZone(data?.timeZone), [data]);
  const rows = (data?.appointments ?? []).filter((a) => !only || only.includes(a.status));
  const pending = rows.filter((a) => a.status === AppointmentStatus.PENDING).length;
  const when = (a: Appointment) =>
    a.startTime
      ? period === ReportPeriod.DAY
        ? formatTime(a.startTime, zone, lang)
        : formatDateTime(a.startTime, zone, lang)
      : "";

  return (
    <div>
      <ProblemMessage error={report.error} />
      {report.isPending && <Loading />}
      {data && pending > 0 && <p className="note">{t("work.requests", { count: pending })}</p>}
      {data && rows.length === 0 && <p>{t("work.none")}</p>}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t("appt.time")}</th>
                <th scope="col">{t("appt.patient")}</th>
                <th scope="col">{t("appt.service")}</th>
                <th scope="col">{t("appt.reason")}</th>
                <th scope="col">{t("appt.status")}</th>
                <th scope="col">{t("appt.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.id} data-appointment={a.id}>
                  <td>{when(a)}</td>
                  <td>
                    <code title={a.patientId}>{a.patientId.slice(-8)}</code>
                  </td>
                  <td>{names.get(a.serviceId) ?? ""}</td>
                  <td>{a.reason}</td>
                  <td>{t(statusLabel(a.status))}</td>
                  <td>
                    <Actions appointment={a} canComplete={canComplete} extra={actions?.(a)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {chart && data && (
        <Suspense fallback={<Loading />}>
          <StatusChart counts={data.counts} utilisationBp={data.utilisationBp} />
        </Suspense>
      )}
    </div>
  );
}
