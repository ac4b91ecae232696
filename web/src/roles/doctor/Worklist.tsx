// The doctor's worklist: today's and this week's appointments, requests to confirm, and
// from each visit its encounter (opened, or continued where the EHR has one) and the
// patient's chart.
import { Tab, TabList, TabPanel, Tabs } from "react-aria-components";
import { Link } from "react-router";
import {
  AppointmentStatus,
  ReportPeriod,
  type Appointment,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { useI18n } from "../../i18n";
import { ScheduleTable } from "../../staff/ScheduleTable";

const VISIT = new Set([
  AppointmentStatus.CONFIRMED,
  AppointmentStatus.CHECKED_IN,
  AppointmentStatus.COMPLETED,
]);

export default function Worklist() {
  const { t } = useI18n();
  const clinical = (a: Appointment) => (
    <>
      {VISIT.has(a.status) && (
        <Link className="button small primary" to={`/appointments/${a.id}/encounter`}>
          {a.status === AppointmentStatus.COMPLETED ? t("work.viewEncounter") : t("work.encounter")}
        </Link>
      )}
      <Link className="button small quiet" to={`/patients/${a.patientId}`}>
        {t("work.openChart")}
      </Link>
    </>
  );
  return (
    <section>
      <h1>{t("work.title")}</h1>
      <Tabs className="tabs">
        <TabList aria-label={t("work.title")}>
          <Tab id="today">{t("work.today")}</Tab>
          <Tab id="week">{t("work.week")}</Tab>
          <Tab id="next">{t("work.nextWeek")}</Tab>
        </TabList>
        <TabPanel id="today">
          <ScheduleTable period={ReportPeriod.DAY} canComplete actions={clinical} />
        </TabPanel>
        <TabPanel id="week">
          <ScheduleTable period={ReportPeriod.WEEK} chart canComplete actions={clinical} />
        </TabPanel>
        <TabPanel id="next">
          <ScheduleTable
            period={ReportPeriod.WEEK}
            chart
            canComplete
            daysAhead={7}
            actions={clinical}
          />
        </TabPanel>
      </Tabs>
    </section>
  );
}
