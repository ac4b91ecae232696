// Schedule reports (AppointmentService.GetScheduleReport): the appointments of a day, week
// or month for the whole clinic, one doctor or one medical service, with counts by status,
// booked and available minutes and the utilisation; the list a page at a time.
import { lazy, Suspense, useEffect, useState } from "react";
import { Button } from "react-aria-components";
import { useQuery } from "@connectrpc/connect-query";
import { UserService } from "@hms/sdk/hms/user/v1/user_pb";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import {
  AppointmentService,
  ReportPeriod,
  ScheduleService,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { useI18n } from "../../i18n";
import { dayInZone, dayKey, formatDateTime, formatDay, locale } from "../../format";
import { learnZone, useClinicZone } from "../../format/zone";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { statusLabel } from "../patient/appointments";
import { SelectField, ShortId, parseDateInput } from "./common";
import { DoctorPicker } from "./Schedules";
import { displayName } from "./Users";
import { parseEnum } from "./enums";
import "./admin.css";

const StatusChart = lazy(() => import("../../staff/StatusChart"));

const ROWS = 20;

export default function Reports() {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const [period, setPeriod] = useState(String(ReportPeriod.WEEK));
  const [date, setDate] = useState(() => dayKey(dayInZone(new Date(), zone)));
  const [scope, setScope] = useState<"clinic" | "doctor" | "service">("clinic");
  const [doctorId, setDoctorId] = useState("");
  const [serviceId, setServiceId] = useState("");
  // The page of the list, for the report it was chosen in (a new report starts at 1).
  const [paging, setPaging] = useState({ at: 0, page: 0 });
  const services = useQuery(ScheduleService.method.listMedicalServices, {
    page: { pageSize: 500 },
    includeInactive: true,
  });
  const names = new Map((services.data?.services ?? []).map((s) => [s.id, s.name]));
  // The same list the doctor picker asks for (one request for both).
  const doctors = useQuery(UserService.method.listUsers, {
    role: Role.DOCTOR,
    page: { pageSize: 500 },
  });
  const doctorNames = new Map((doctors.data?.users ?? []).map((u) => [u.id, displayName(u)]));
  const day = parseDateInput(date);
  const ready = !!day && (scope === "clinic" || (scope === "doctor" ? !!doctorId : !!serviceId));
  const report = useQuery(
    AppointmentService.method.getScheduleReport,
    {
      period: parseEnum(ReportPeriod, period, ReportPeriod.WEEK),
      date: day,
      doctorId: scope === "doctor" ? doctorId : "",
      serviceId: scope === "service" ? serviceId : "",
    },
    { enabled: ready },
  );
  const data = report.data;
  useEffect(() => learnZone(data?.timeZone), [data]);
  const page = paging.at === report.dataUpdatedAt ? paging.page : 0;
  const setPage = (p: number) => setPaging({ at: report.dataUpdatedAt, page: p });
  const number = new Intl.NumberFormat(locale(lang));
  const rows = data?.appointments.slice(page * ROWS, (page + 1) * ROWS) ?? [];
  const pages = Math.ceil((data?.appointments.length ?? 0) / ROWS);
  const hours = (minutes: bigint) =>
    new Intl.NumberFormat(locale(lang), { maximumFractionDigits: 1 }).format(Number(minutes) / 60);

  return (
    <section className="admin">
      <h1>{t("admin.report.title")}</h1>
      <div className="filters">
        <SelectField
          label={t("admin.report.period")}
          value={period}
          onChange={setPeriod}
          options={[
            { value: String(ReportPeriod.DAY), label: t("admin.report.day") },
            { value: String(ReportPeriod.WEEK), label: t("admin.report.week") },
            { value: String(ReportPeriod.MONTH), label: t("admin.report.month") },
          ]}
        />
        <div className="field">
          <label htmlFor="report-date">{t("admin.report.date")}</label>
          <input
            id="report-date"
            type="date"
            value={date}
            onChange={(e) => setDate(e.target.value)}
          />
        </div>
        <SelectField
          label={t("admin.report.scope")}
          value={scope}
          onChange={(s) => setScope(s as typeof scope)}
          options={[
            { value: "clinic", label: t("admin.report.clinic") },
            { value: "doctor", label: t("admin.report.oneDoctor") },
            { value: "service", label: t("admin.report.oneService") },
          ]}
        />
        {scope === "doctor" && <DoctorPicker value={doctorId} onChange={(id) => setDoctorId(id)} />}
        {scope === "service" && (
          <SelectField
            label={t("admin.report.service")}
            value={serviceId}
            onChange={setServiceId}
            options={[
              { value: "", label: t("admin.report.chooseService") },
              ...(services.data?.services ?? []).map((s) => ({ value: s.id, label: s.name })),
            ]}
          />
        )}
      </div>
      <ProblemMessage error={report.error} />
      {ready && report.isPending && <Loading />}
      {data && (
        <div className="stack">
          <h2>
            {t("admin.report.range", {
              start: data.startDate ? formatDay(data.startDate, lang, true) : "",
              end: data.endDate ? formatDay(data.endDate, lang, true) : "",
            })}
          </h2>
          <dl className="figures">
            <div>
              <dt>{t("admin.report.total")}</dt>
              <dd>{number.format(data.appointments.length)}</dd>
            </div>
            <div>
              <dt>{t("admin.report.booked")}</dt>
              <dd>{t("admin.report.hours", { hours: hours(data.bookedMinutes) })}</dd>
            </div>
            <div>
              <dt>{t("admin.report.available")}</dt>
              <dd>{t("admin.report.hours", { hours: hours(data.availableMinutes) })}</dd>
            </div>
          </dl>
          {data.truncated && <p className="meta">{t("admin.report.truncated")}</p>}
          <Suspense fallback={<Loading />}>
            <StatusChart counts={data.counts} utilisationBp={data.utilisationBp} />
          </Suspense>
          <h3>{t("admin.report.list")}</h3>
          {data.appointments.length === 0 && <p>{t("admin.report.none")}</p>}
          {rows.length > 0 && (
            <div className="table-wrap">
              <table className="table">
                <caption className="sr-only">{t("admin.report.list")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("appt.time")}</th>
                    <th scope="col">{t("appt.patient")}</th>
                    <th scope="col">{t("admin.report.doctor")}</th>
                    <th scope="col">{t("appt.service")}</th>
                    <th scope="col">{t("appt.status")}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((a) => (
                    <tr key={a.id}>
                      <th scope="row">
                        {a.startTime ? formatDateTime(a.startTime, zone, lang) : ""}
                      </th>
                      <td>
                        <ShortId id={a.patientId} />
                      </td>
                      <td>{doctorNames.get(a.doctorId) ?? <ShortId id={a.doctorId} />}</td>
                      <td>{names.get(a.serviceId) ?? ""}</td>
                      <td>{t(statusLabel(a.status))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {pages > 1 && (
            <nav className="pager" aria-label={t("admin.report.pages")}>
              <Button
                className="button small"
                isDisabled={page === 0}
                onPress={() => setPage(page - 1)}
              >
                {t("admin.page.previous")}
              </Button>
              <span aria-live="polite">{t("admin.page.of", { page: page + 1, pages })}</span>
              <Button
                className="button small"
                isDisabled={page + 1 >= pages}
                onPress={() => setPage(page + 1)}
              >
                {t("admin.page.next")}
              </Button>
            </nav>
          )}
        </div>
      )}
    </section>
  );
}
