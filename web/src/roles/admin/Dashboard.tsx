// The admin's dashboard (AdminService.GetDashboardSummary): today's and this week's
// appointments by status with the utilisation, revenue and unpaid balances per currency,
// claims by status, new patients and failed notifications. Each tile comes from one
// service; a tile whose service failed says so while the others still show.
import { lazy, Suspense, useEffect, type ReactNode } from "react";
import { Button } from "react-aria-components";
import { useQuery } from "@connectrpc/connect-query";
import { AdminService, type TileStatus } from "@hms/sdk/hms/admin/v1/admin_pb";
import { ClaimStatus } from "@hms/sdk/hms/billing/v1/billing_pb";
import { useI18n, type MessageKey } from "../../i18n";
import { formatDay, formatMoney, locale } from "../../format";
import { learnZone } from "../../format/zone";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { statusLabel } from "../patient/appointments";
import { When } from "./common";
import {
  MONEY_KEYS,
  claimRows,
  moneyByCurrency,
  statusRows,
  tileFailure,
  toMajor,
  utilisation,
  type MoneyKey,
} from "./dashboard";
import "./admin.css";

const Chart = lazy(() => import("./DashboardCharts"));

const MONEY_LABELS: Record<MoneyKey, MessageKey> = {
  revenueToday: "admin.dash.revenueToday",
  revenueWeek: "admin.dash.revenueWeek",
  outstanding: "admin.dash.outstanding",
  overdue: "admin.dash.overdue",
};

const CLAIM_LABELS: Record<ClaimStatus, MessageKey> = {
  [ClaimStatus.UNSPECIFIED]: "admin.claim.UNSPECIFIED",
  [ClaimStatus.SUBMITTED]: "admin.claim.SUBMITTED",
  [ClaimStatus.PROCESSING]: "admin.claim.PROCESSING",
  [ClaimStatus.AWAITING_DOCUMENTS]: "admin.claim.AWAITING_DOCUMENTS",
  [ClaimStatus.APPROVED]: "admin.claim.APPROVED",
  [ClaimStatus.PARTIALLY_APPROVED]: "admin.claim.PARTIALLY_APPROVED",
  [ClaimStatus.REJECTED]: "admin.claim.REJECTED",
  [ClaimStatus.PAID_BY_INSURER]: "admin.claim.PAID_BY_INSURER",
  [ClaimStatus.CLOSED]: "admin.claim.CLOSED",
};

function Tile({
  title,
  status,
  children,
}: {
  title: string;
  status: TileStatus | undefined;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const failure = tileFailure(status);
  return (
    <section className="tile card" aria-label={title}>
      <h2>{title}</h2>
      {failure ? (
        <p className="problem" role="status">
          {t("admin.dash.tileFailed", { code: failure })}
        </p>
      ) : (
        <>
          {children}
          {status?.asOfTime && (
            <p className="meta">
              {t("admin.dash.asOf")} <When at={status.asOfTime} />
            </p>
          )}
        </>
      )}
    </section>
  );
}

export default function Dashboard() {
  const { t, lang } = useI18n();
  // Fresh figures each minute while the dashboard is open.
  const summary = useQuery(
    AdminService.method.getDashboardSummary,
    {},
    { refetchInterval: 60_000 },
  );
  const data = summary.data;
  useEffect(() => learnZone(data?.timeZone), [data]);
  const number = new Intl.NumberFormat(locale(lang));
  const percent = new Intl.NumberFormat(locale(lang), {
    style: "percent",
    maximumFractionDigits: 1,
  });
  const appts = data?.appointments?.stats;
  const rows = statusRows(appts?.today, appts?.week);
  const money = moneyByCurrency(data?.billing?.stats);
  const claims = claimRows(data?.billing?.stats);
  const patients = data?.patients?.stats;
  const notifications = data?.notifications?.stats;

  return (
    <section className="admin">
      <div className="title-row">
        <h1>{t("admin.dash.title")}</h1>
        <Button
          className="button"
          isDisabled={summary.isFetching}
          onPress={() => void summary.refetch()}
        >
          {t("admin.dash.refresh")}
        </Button>
      </div>
      {data?.date && (
        <p className="meta">
          {t("admin.dash.for", { day: formatDay(data.date, lang, true), zone: data.timeZone })}
        </p>
      )}
      <ProblemMessage error={summary.error} />
      {summary.isPending && <Loading />}
      {data && (
        <>
          <div className="tiles">
            <Tile title={t("admin.dash.appointments")} status={data.appointments?.status}>
              <dl className="figures">
                <div>
                  <dt>{t("admin.dash.today")}</dt>
                  <dd>{number.format(rows.reduce((n, r) => n + r.today, 0))}</dd>
                </div>
                <div>
                  <dt>{t("admin.dash.week")}</dt>
                  <dd>{number.format(rows.reduce((n, r) => n + r.week, 0))}</dd>
                </div>
                <div>
                  <dt>{t("admin.dash.utilisationToday")}</dt>
                  <dd>{percent.format(utilisation(appts?.today?.utilisationBp))}</dd>
                </div>
                <div>
                  <dt>{t("admin.dash.utilisationWeek")}</dt>
                  <dd>{percent.format(utilisation(appts?.week?.utilisationBp))}</dd>
                </div>
              </dl>
            </Tile>
            <Tile title={t("admin.dash.revenue")} status={data.billing?.status}>
              {money.length === 0 && <p>{t("admin.dash.noMoney")}</p>}
              {money.map((m) => (
                <dl className="figures" key={m.currency}>
                  {MONEY_KEYS.map((k) => (
                    <div key={k}>
                      <dt>{t(MONEY_LABELS[k])}</dt>
                      <dd>
                        {formatMoney({ amountMinor: m.minor[k], currency: m.currency }, lang)}
                      </dd>
                    </div>
                  ))}
                </dl>
              ))}
            </Tile>
            <Tile title={t("admin.dash.patients")} status={data.patients?.status}>
              <dl className="figures">
                <div>
                  <dt>{t("admin.dash.newToday")}</dt>
                  <dd>{number.format(patients?.newPatientsToday ?? 0n)}</dd>
                </div>
                <div>
                  <dt>{t("admin.dash.newWeek")}</dt>
                  <dd>{number.format(patients?.newPatientsWeek ?? 0n)}</dd>
                </div>
              </dl>
            </Tile>
            <Tile title={t("admin.dash.notifications")} status={data.notifications?.status}>
              <dl className="figures">
                <div>
                  <dt>{t("admin.dash.failedDay")}</dt>
                  <dd>{number.format(notifications?.failedLastDay ?? 0n)}</dd>
                </div>
                <div>
                  <dt>{t("admin.dash.failedWeek")}</dt>
                  <dd>{number.format(notifications?.failedLastWeek ?? 0n)}</dd>
                </div>
              </dl>
            </Tile>
          </div>
          <Suspense fallback={<Loading />}>
            <div className="charts">
              {!tileFailure(data.appointments?.status) && (
                <Chart
                  caption={t("admin.dash.byStatus")}
                  rows={rows.map((r) => ({
                    name: t(statusLabel(r.status)),
                    today: r.today,
                    week: r.week,
                  }))}
                  series={[
                    { key: "today", label: t("admin.dash.today"), color: "#1d6f8a" },
                    { key: "week", label: t("admin.dash.week"), color: "#d08a1e" },
                  ]}
                  format={(v) => number.format(v)}
                />
              )}
              {!tileFailure(data.billing?.status) &&
                money.map((m) => (
                  <Chart
                    key={m.currency}
                    caption={t("admin.dash.moneyChart", { currency: m.currency })}
                    rows={MONEY_KEYS.map((k) => ({
                      name: t(MONEY_LABELS[k]),
                      amount: toMajor(m.minor[k], m.currency),
                    }))}
                    series={[{ key: "amount", label: m.currency, color: "#2e7d4f" }]}
                    format={(v) =>
                      new Intl.NumberFormat(locale(lang), {
                        style: "currency",
                        currency: m.currency,
                        notation: "compact",
                      }).format(v)
                    }
                  />
                ))}
              {!tileFailure(data.billing?.status) && claims.length > 0 && (
                <Chart
                  caption={t("admin.dash.claims")}
                  rows={claims.map((c) => ({
                    name: t(CLAIM_LABELS[c.status]),
                    count: c.count,
                  }))}
                  series={[{ key: "count", label: t("admin.dash.count"), color: "#7a4f9a" }]}
                  format={(v) => number.format(v)}
                />
              )}
            </div>
          </Suspense>
        </>
      )}
    </section>
  );
}
