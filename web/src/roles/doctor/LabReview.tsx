// The doctor's lab results to review (LaboratoryService.ListLabOrdersToReview, oldest
// first): each order's tests with every value, its unit, the reference range and the flag
// (critical ones boxed and marked LL/HH, with a symbol and words), and the release of the
// reviewed results to the patient (ReleaseLabResults with the order's version read).
import { Link } from "react-router";
import { Button } from "react-aria-components";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import {
  LaboratoryService,
  LabOrderStatus,
  type LabOrder,
} from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import { useI18n } from "../../i18n";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { LabStatusBadge, OrderFacts, ResultsTable, useRefreshLab } from "../../laboratory/parts";
import { isCritical, labStatusLabel } from "../../laboratory/lab";

function ReviewCard({ order: o }: { order: LabOrder }) {
  const { t } = useI18n();
  const refresh = useRefreshLab();
  const release = useMutation(LaboratoryService.method.releaseLabResults, {
    onSettled: () => void refresh(),
  });
  const critical = o.items.some((i) => i.results.some((r) => isCritical(r.flag)));
  const heading = t("lab.review.order", { patient: o.patientId.slice(-8) });
  return (
    <li className="card" data-lab-order={o.orderId}>
      <div className="title-row">
        <h2 className="h3">{heading}</h2>
        <LabStatusBadge status={o.status} />
      </div>
      {critical && (
        <p className="problem" role="note">
          <span aria-hidden="true">⚠ </span>
          {t("lab.review.critical")}
        </p>
      )}
      <OrderFacts order={o} />
      <p>
        <Link to={`/patients/${encodeURIComponent(o.patientId)}`}>{t("lab.review.chart")}</Link>
      </p>
      {o.items.map((i) => (
        <div key={i.itemId} className="lab-item" data-lab-item={i.testCode}>
          <h3>
            {i.testName} — {t(labStatusLabel(i.status))}
          </h3>
          <ResultsTable item={i} caption={i.testName} bars />
        </div>
      ))}
      <ProblemMessage error={release.error} scope="lab.reason" />
      {o.items.some((i) => i.status === LabOrderStatus.RESULTS_PENDING_REVIEW) && (
        <Button
          className="button primary"
          isDisabled={release.isPending}
          onPress={() => release.mutate({ orderId: o.orderId, itemIds: [], version: o.version })}
        >
          {t("lab.review.release")}
        </Button>
      )}
    </li>
  );
}

export default function LabReview() {
  const { t } = useI18n();
  const list = useQuery(
    LaboratoryService.method.listLabOrdersToReview,
    { page: { pageSize: 50 } },
    { refetchInterval: 20_000 },
  );
  const orders = list.data?.orders ?? [];
  return (
    <div className="rx">
      <h1>{t("lab.review.title")}</h1>
      <p className="meta">{t("lab.review.help")}</p>
      <ProblemMessage error={list.error} scope="lab.reason" />
      {list.isPending && <Loading />}
      {list.isSuccess && orders.length === 0 && <p>{t("lab.review.none")}</p>}
      {orders.length > 0 && (
        <ul className="lab-list" aria-label={t("lab.review.title")}>
          {orders.map((o) => (
            <ReviewCard key={o.orderId} order={o} />
          ))}
        </ul>
      )}
    </div>
  );
}
