// The nurse's vital signs of a checked-in patient (EhrService.AddVitalSigns, named by the
// appointment: the EHR finds the encounter the appointment service planned for it).
import { useState } from "react";
import { Link, useParams } from "react-router";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { AppointmentService, AppointmentStatus } from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { EhrService, type VitalSigns } from "@hms/sdk/hms/ehr/v1/ehr_pb";
import { useI18n } from "../../i18n";
import { formatDateTime, formatTime } from "../../format";
import { useClinicZone } from "../../format/zone";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { statusLabel, useServiceNames } from "../patient/appointments";
import { VitalsForm } from "../../staff/VitalsForm";
import { VitalsTable } from "../../staff/VitalsTable";

export default function Vitals() {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const { appointmentId = "" } = useParams();
  const names = useServiceNames();
  const appointment = useQuery(AppointmentService.method.getAppointment, { appointmentId });
  const add = useMutation(EhrService.method.addVitalSigns);
  const [recorded, setRecorded] = useState<VitalSigns[]>([]);
  const a = appointment.data?.appointment;

  return (
    <section>
      <p>
        <Link to="/check-in">← {t("nurse.back")}</Link>
      </p>
      <h1>{t("nurse.vitalsTitle")}</h1>
      <ProblemMessage error={appointment.error} />
      {appointment.isPending && <Loading />}
      {a && (
        <dl className="facts">
          <dt>{t("appt.patient")}</dt>
          <dd>
            <code title={a.patientId}>{a.patientId.slice(-8)}</code>
          </dd>
          <dt>{t("appt.time")}</dt>
          <dd>{a.startTime ? formatDateTime(a.startTime, zone, lang) : ""}</dd>
          <dt>{t("appt.service")}</dt>
          <dd>{names.get(a.serviceId) ?? ""}</dd>
          <dt>{t("appt.reason")}</dt>
          <dd>{a.reason || "—"}</dd>
          <dt>{t("appt.status")}</dt>
          <dd>{t(statusLabel(a.status))}</dd>
        </dl>
      )}
      {a && a.status !== AppointmentStatus.CHECKED_IN && (
        <p className="note">{t("nurse.notCheckedIn")}</p>
      )}
      {a && a.status === AppointmentStatus.CHECKED_IN && (
        <>
          <VitalsForm
            pending={add.isPending}
            error={add.error}
            onSave={(measured) =>
              add
                .mutateAsync({
                  patientId: a.patientId,
                  appointmentId: a.id,
                  vitalSigns: measured,
                })
                .then((r) => {
                  if (r.vitalSigns) setRecorded((old) => [r.vitalSigns as VitalSigns, ...old]);
                })
            }
          />
          {recorded.length > 0 && (
            <>
              <p className="note" role="status">
                {t("nurse.recorded", {
                  time: recorded[0]?.measureTime
                    ? formatTime(recorded[0].measureTime, zone, lang)
                    : "",
                })}
              </p>
              <VitalsTable readings={recorded} caption={t("nurse.recordedNow")} />
            </>
          )}
        </>
      )}
    </section>
  );
}
