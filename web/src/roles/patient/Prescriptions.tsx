// The patient's prescriptions (PharmacyService.ListPatientPrescriptions, newest first):
// each one's medications with how they are taken and what was dispensed of them, its
// status, why it was cancelled, and its dispenses.
import { Button } from "react-aria-components";
import { useInfiniteQuery } from "@connectrpc/connect-query";
import {
  PharmacyService,
  PrescriptionStatus,
  type Prescription,
} from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { useI18n, type MessageKey } from "../../i18n";
import { dayInZone, formatDay } from "../../format";
import { useClinicZone } from "../../format/zone";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { DispenseList, ItemsTable, RxStatusBadge } from "../../pharmacy/parts";
import { useMyId } from "./me";
import "./patient-billing.css";

const PAGE = 20;

const explained: Partial<Record<PrescriptionStatus, MessageKey>> = {
  [PrescriptionStatus.PENDING_VERIFICATION]: "mrx.waiting",
  [PrescriptionStatus.VERIFIED]: "mrx.verified",
  [PrescriptionStatus.DISPENSED_PARTIAL]: "mrx.partial",
  [PrescriptionStatus.DISPENSED_FULL]: "mrx.ready",
};

function PrescriptionCard({ prescription: p }: { prescription: Prescription }) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const day = p.createTime ? formatDay(dayInZone(p.createTime, zone), lang, true) : "";
  const explanation = explained[p.status];
  const heading = t("mrx.heading", { date: day });
  return (
    <li className="card" data-prescription={p.prescriptionId}>
      <div className="appt-head">
        <h2 className="h3">{heading}</h2>
        <RxStatusBadge status={p.status} />
      </div>
      {explanation && <p className="meta">{t(explanation)}</p>}
      <ItemsTable items={p.items} caption={heading} />
      {p.cancelReason && <p className="meta">{t("rx.cancelReason", { reason: p.cancelReason })}</p>}
      <DispenseList dispenses={p.dispenses} />
    </li>
  );
}

export default function Prescriptions() {
  const { t } = useI18n();
  const patientId = useMyId();
  const list = useInfiniteQuery(
    PharmacyService.method.listPatientPrescriptions,
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
  const prescriptions = list.data?.pages.flatMap((p) => p.prescriptions) ?? [];
  return (
    <div className="rx">
      <h1>{t("mrx.title")}</h1>
      <p className="meta">{t("mrx.help")}</p>
      <ProblemMessage error={list.error} scope="rx.reason" />
      {list.isPending && <Loading />}
      {list.isSuccess && prescriptions.length === 0 && <p>{t("mrx.none")}</p>}
      <ul className="appts" aria-label={t("mrx.title")}>
        {prescriptions.map((p) => (
          <PrescriptionCard key={p.prescriptionId} prescription={p} />
        ))}
      </ul>
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
