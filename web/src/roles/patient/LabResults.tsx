// The patient's lab results (LaboratoryService.ListPatientLabResults for themselves,
// newest first): each order's tests with their status; a test whose results the doctor
// has not released yet says so ("Pending your doctor's review"); released ones show each
// value with its unit, reference range and flag, and an amended value with the one it
// replaced and why. The printed report of the released results (GetLabReport) and the
// attached result files (GetResultFile) are saved as files. Each value is drawn against
// its reference range, and a number's trend over the patient's orders is shown on request.
import { useState } from "react";
import { Button } from "react-aria-components";
import { useInfiniteQuery } from "@connectrpc/connect-query";
import { LaboratoryService, type LabOrder } from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import { useI18n } from "../../i18n";
import { dayInZone, formatDay } from "../../format";
import { useClinicZone } from "../../format/zone";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { FileList, LabStatusBadge, ReportButton, ResultsTable } from "../../laboratory/parts";
import { labStatusLabel } from "../../laboratory/lab";
import { useMyId } from "./me";
import { LabTrend } from "./LabTrend";

const PAGE = 20;

function OrderCard({
  order: o,
  onTrend,
}: {
  order: LabOrder;
  onTrend: (parameterCode: string) => void;
}) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const day = o.createTime ? formatDay(dayInZone(o.createTime, zone), lang, true) : "";
  const heading = t("mlab.heading", { date: day });
  const released = o.items.some((i) => !i.resultsPending && i.results.some((r) => r.entered));
  return (
    <li className="card" data-lab-order={o.orderId}>
      <div className="appt-head">
        <h2 className="h3">{heading}</h2>
        <LabStatusBadge status={o.status} />
      </div>
      {o.items.map((i) => (
        <div key={i.itemId} className="lab-item" data-lab-item={i.testCode}>
          <h3>
            {i.testName} — {t(labStatusLabel(i.status))}
          </h3>
          {i.resultsPending && <p className="meta">{t("mlab.pending")}</p>}
          {i.cancelReason && (
            <p className="meta">{t("lab.cancelledBecause", { reason: i.cancelReason })}</p>
          )}
          {!i.resultsPending && (
            <ResultsTable
              item={i}
              caption={i.testName}
              bars
              onTrend={(r) => onTrend(r.parameterCode)}
            />
          )}
          {!i.resultsPending && <FileList order={o} item={i} />}
        </div>
      ))}
      {released && <ReportButton order={o} />}
    </li>
  );
}

export default function LabResults() {
  const { t } = useI18n();
  const patientId = useMyId();
  const list = useInfiniteQuery(
    LaboratoryService.method.listPatientLabResults,
    { patientId, page: { pageSize: PAGE, pageToken: "" } },
    {
      enabled: !!patientId,
      pageParamKey: "page",
      getNextPageParam: (last) =>
        last.page?.nextPageToken
          ? { pageSize: PAGE, pageToken: last.page.nextPageToken }
          : undefined,
    },
  );
  const orders = list.data?.pages.flatMap((p) => p.orders) ?? [];
  const [trendOf, setTrendOf] = useState<string | undefined>();
  return (
    <section className="rx">
      <h1>{t("mlab.title")}</h1>
      <p className="meta">{t("mlab.help")}</p>
      <ProblemMessage error={list.error} scope="lab.reason" />
      {list.isPending && patientId && <Loading />}
      {list.isSuccess && orders.length === 0 && <p>{t("mlab.none")}</p>}
      {trendOf && patientId && (
        <LabTrend
          key={trendOf}
          patientId={patientId}
          parameterCode={trendOf}
          onClose={() => setTrendOf(undefined)}
        />
      )}
      {orders.length > 0 && (
        <ul className="lab-list" aria-label={t("mlab.title")}>
          {orders.map((o) => (
            <OrderCard
              key={o.orderId}
              order={o}
              onTrend={(code) => {
                setTrendOf(code);
                window.scrollTo({ top: 0, behavior: "smooth" });
              }}
            />
          ))}
        </ul>
      )}
      {list.hasNextPage && (
        <Button
          className="button"
          isDisabled={list.isFetchingNextPage}
          onPress={() => void list.fetchNextPage()}
        >
          {t("app.more")}
        </Button>
      )}
    </section>
  );
}
