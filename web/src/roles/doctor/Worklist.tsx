// The doctor's worklist: today's and this week's appointments, requests to confirm.
import { Tab, TabList, TabPanel, Tabs } from "react-aria-components";
import { ReportPeriod } from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { useI18n } from "../../i18n";
import { ScheduleTable } from "../../staff/ScheduleTable";

export default function Worklist() {
  const { t } = useI18n();
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
          <ScheduleTable period={ReportPeriod.DAY} canComplete />
        </TabPanel>
        <TabPanel id="week">
          <ScheduleTable period={ReportPeriod.WEEK} chart canComplete />
        </TabPanel>
        <TabPanel id="next">
          <ScheduleTable period={ReportPeriod.WEEK} chart canComplete daysAhead={7} />
        </TabPanel>
      </Tabs>
    </section>
  );
}
