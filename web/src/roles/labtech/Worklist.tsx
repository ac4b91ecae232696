// The laboratory's worklist (LaboratoryService.ListPendingLabOrders): orders with tests
// still to collect, process or enter, urgent first, then oldest first, filtered by status;
// the accession number once the sample is collected. Patients are shown by the end of
// their id, as on the other staff lists.
import { useState } from "react";
import { Link } from "react-router";
import { Button } from "react-aria-components";
import { useInfiniteQuery } from "@connectrpc/connect-query";
import { LaboratoryService, LabOrderStatus } from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../format";
import { useClinicZone } from "../../format/zone";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { SelectField } from "../admin/common";
import { parseEnum } from "../admin/enums";
import { LabStatusBadge, PriorityBadge } from "../../laboratory/parts";
import { labStatusLabel, worklistOrder } from "../../laboratory/lab";

const PAGE = 25;
const STATUSES = [
  LabOrderStatus.REQUESTED,
  LabOrderStatus.SAMPLE_COLLECTED,
  LabOrderStatus.PROCESSING,
];

export default function Worklist() {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const [status, setStatus] = useState("");
  const filter = parseEnum(LabOrderStatus, status, LabOrderStatus.UNSPECIFIED);
  const list = useInfiniteQuery(
    LaboratoryService.method.listPendingLabOrders,
    { status: filter, page: { pageSize: PAGE, pageToken: "" } },
    {
      pageParamKey: "page",
      getNextPageParam: (last) =>
        last.page?.nextPageToken
          ? { pageSize: PAGE, pageToken: last.page.nextPageToken }
          : undefined,
      refetchInterval: 20_000,
    },
  );
  const orders = worklistOrder(list.data?.pages.flatMap((p) => p.orders) ?? []);
  return (
    <div className="rx">
      <h1>{t("lab.work.title")}</h1>
      <p className="meta">{t("lab.work.help")}</p>
      <div className="toolbar">
        <SelectField
          label={t("lab.work.filter")}
          value={status}
          onChange={setStatus}
          options={[
            { value: "", label: t("lab.work.all") },
            ...STATUSES.map((s) => ({ value: String(s), label: t(labStatusLabel(s)) })),
          ]}
        />
      </div>
      <ProblemMessage error={list.error} scope="lab.reason" />
      {list.isPending && <Loading />}
      {list.isSuccess && orders.length === 0 && <p>{t("lab.work.none")}</p>}
      {orders.length > 0 && (
        <div className="table-wrap">
          <table className="table rx-table">
            <caption className="sr-only">{t("lab.work.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("lab.priority")}</th>
                <th scope="col">{t("lab.ordered")}</th>
                <th scope="col">{t("lab.patient")}</th>
                <th scope="col">{t("lab.tests")}</th>
                <th scope="col">{t("lab.accession")}</th>
                <th scope="col">{t("lab.status")}</th>
                <th scope="col">
                  <span className="sr-only">{t("lab.work.open")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {orders.map((o) => {
                const tests = o.items.map((i) => i.testName).join(", ");
                return (
                  <tr key={o.orderId} data-lab-order={o.orderId}>
                    <td>
                      <PriorityBadge priority={o.priority} />
                    </td>
                    <td>{o.createTime ? formatDateTime(o.createTime, zone, lang) : ""}</td>
                    <td>
                      <code title={o.patientId}>{o.patientId.slice(-8)}</code>
                    </td>
                    <td>{tests}</td>
                    <td>{o.accessionNumber ? <strong>{o.accessionNumber}</strong> : "–"}</td>
                    <td>
                      <LabStatusBadge status={o.status} />
                    </td>
                    <td>
                      <Link
                        className="button small"
                        to={`/lab/orders/${encodeURIComponent(o.orderId)}`}
                        aria-label={t("lab.work.openLabel", {
                          tests,
                          patient: o.patientId.slice(-8),
                        })}
                      >
                        {t("lab.work.open")}
                      </Link>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
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
    </div>
  );
}
