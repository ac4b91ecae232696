// The nurse's check-in desk: the clinic's appointments of today that wait for the patient.
import { AppointmentStatus, ReportPeriod } from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { useI18n } from "../../i18n";
import { ScheduleTable } from "../../staff/ScheduleTable";

export default function CheckIn() {
  const { t } = useI18n();
  return (
    <section>
      <h1>{t("nurse.title")}</h1>
      <p>{t("nurse.help")}</p>
      <ScheduleTable
        period={ReportPeriod.DAY}
        only={[
          AppointmentStatus.PENDING,
          AppointmentStatus.CONFIRMED,
          AppointmentStatus.CHECKED_IN,
        ]}
      />
    </section>
  );
}
