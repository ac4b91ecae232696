// The pharmacy's work queue (PharmacyService.ListPendingPrescriptions, oldest first):
// prescriptions waiting for verification, and verified or partly dispensed ones waiting
// for stock, filtered by status. Those whose prescriber overrode findings are flagged.
// Patients are shown by the end of their id, as on the other staff lists.
import { useState } from "react";
import { Link } from "react-router";
import { Button } from "react-aria-components";
import { useInfiniteQuery } from "@connectrpc/connect-query";
import { PharmacyService, PrescriptionStatus } from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../format";
import { useClinicZone } from "../../format/zone";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { SelectField } from "../admin/common";
import { parseEnum } from "../admin/enums";
import { RxStatusBadge } from "../../pharmacy/parts";
import { QUEUE_STATUSES, medicationsLine, rxStatusLabel } from "../../pharmacy/rx";

const PAGE = 25;

export default function Queue() {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const [status, setStatus] = useState("");
  const filter = parseEnum(PrescriptionStatus, status, PrescriptionStatus.UNSPECIFIED);
  const queue = useInfiniteQuery(
    PharmacyService.method.listPendingPrescriptions,
    { status: filter, page: { pageSize: PAGE, pageToken: "" } },
    {
      pageParamKey: "page",
      getNextPageParam: (last) =>
        last.page?.nextPageToken
          ? { pageSize: PAGE, pageToken: last.page.nextPageToken }
          : undefined,
      // New prescriptions arrive without a notification to the pharmacy: look again now
      // and then while the queue is open.
      refetchInterval: 20_000,
    },
  );
  const prescriptions = queue.data?.pages.flatMap((p) => p.prescriptions) ?? [];
  return (
    <div className="rx">
      <h1>{t("ph.queue.title")}</h1>
      <p className="meta">{t("ph.queue.help")}</p>
      <div className="toolbar">
        <SelectField
          label={t("ph.queue.filter")}
          value={status}
          onChange={setStatus}
          options={[
            { value: "", label: t("ph.queue.all") },
            ...QUEUE_STATUSES.map((s) => ({ value: String(s), label: t(rxStatusLabel(s)) })),
          ]}
        />
      </div>
      <ProblemMessage error={queue.error} scope="rx.reason" />
      {queue.isPending && <Loading />}
      {queue.isSuccess && prescriptions.length === 0 && <p>{t("ph.queue.none")}</p>}
      {prescriptions.length > 0 && (
        <div className="table-wrap">
          <table className="table rx-table">
            <caption className="sr-only">{t("ph.queue.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("ph.queue.written")}</th>
                <th scope="col">{t("rx.patient")}</th>
                <th scope="col">{t("rx.items")}</th>
                <th scope="col">{t("rx.findings")}</th>
                <th scope="col">{t("rx.status")}</th>
                <th scope="col">
                  <span className="sr-only">{t("ph.queue.open")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {prescriptions.map((p) => {
                const medications = medicationsLine(p.items);
                return (
                  <tr key={p.prescriptionId} data-prescription={p.prescriptionId}>
                    <td>{p.createTime ? formatDateTime(p.createTime, zone, lang) : ""}</td>
                    <td>
                      <code title={p.patientId}>{p.patientId.slice(-8)}</code>
                    </td>
                    <td>{medications}</td>
                    <td>
                      {p.overriddenFindings.length > 0 ? (
                        <span className="chip sev-CONTRAINDICATED">
                          {t("ph.queue.overridden", { count: p.overriddenFindings.length })}
                        </span>
                      ) : (
                        "–"
                      )}
                    </td>
                    <td>
                      <RxStatusBadge status={p.status} />
                    </td>
                    <td>
                      <Link
                        className="button small"
                        to={`/pharmacy/prescriptions/${encodeURIComponent(p.prescriptionId)}`}
                        aria-label={t("ph.queue.openLabel", {
                          medications,
                          patient: p.patientId.slice(-8),
                        })}
                      >
                        {t("ph.queue.open")}
                      </Link>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {queue.hasNextPage && (
        <Button
          className="button"
          isDisabled={queue.isFetchingNextPage}
          onPress={() => void queue.fetchNextPage()}
        >
          {t("app.more")}
        </Button>
      )}
    </div>
  );
}
