// The nurse's check-in desk: the clinic's appointments that wait for the patient, today's
// first, and this week's for requests to confirm ahead; a checked-in patient's vital signs
// are recorded from here.
import { Tab, TabList, TabPanel, Tabs } from "react-aria-components";
import { Link } from "react-router";
import {
  AppointmentStatus,
  ReportPeriod,
  type Appointment,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { useI18n } from "../../i18n";
import { ScheduleTable } from "../../staff/ScheduleTable";

const WAITING = [
  AppointmentStatus.PENDING,
  AppointmentStatus.CONFIRMED,
  AppointmentStatus.CHECKED_IN,
];

export default function CheckIn() {
  const { t } = useI18n();
  // A checked-in patient's vital signs are taken at the desk.
  const vitals = (a: Appointment) =>
    a.status === AppointmentStatus.CHECKED_IN && (
      <Link className="button small" to={`/check-in/${a.id}/vitals`}>
        {t("nurse.recordVitals")}
      </Link>
    );
  return (
    <section>
      <h1>{t("nurse.title")}</h1>
      <p>{t("nurse.help")}</p>
      <Tabs className="tabs">
        <TabList aria-label={t("nurse.title")}>
          <Tab id="today">{t("work.today")}</Tab>
          <Tab id="week">{t("work.week")}</Tab>
          <Tab id="next">{t("work.nextWeek")}</Tab>
        </TabList>
        <TabPanel id="today">
          <ScheduleTable period={ReportPeriod.DAY} only={WAITING} actions={vitals} />
        </TabPanel>
        <TabPanel id="week">
          <ScheduleTable period={ReportPeriod.WEEK} only={WAITING} actions={vitals} />
        </TabPanel>
        <TabPanel id="next">
          <ScheduleTable period={ReportPeriod.WEEK} only={WAITING} daysAhead={7} actions={vitals} />
        </TabPanel>
      </Tabs>
    </section>
  );
}
