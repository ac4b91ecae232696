// Stock per medication (PharmacyService.ListStock): units on hand in unexpired batches,
// expired units, the reorder level and whether it is below it (only those, with the
// toggle), and the batches in dispensing order, expired ones marked; each batch may be
// adjusted, and a medication's receiving page is one link away.
import { useId, useState } from "react";
import { Link } from "react-router";
import { Button } from "react-aria-components";
import { useInfiniteQuery } from "@connectrpc/connect-query";
import { PharmacyService, type StockLevel } from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { useI18n } from "../../i18n";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { AdjustDialog, BatchTable } from "./StockParts";
import "../../pharmacy/pharmacy.css";

const PAGE = 50;

function StockCard({
  stock: s,
  onAdjust,
}: {
  stock: StockLevel;
  onAdjust: (batchId: string) => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const receive = receiveLink(s);
  return (
    <li className="card stock-card" aria-labelledby={id} data-medication={s.medicationId}>
      <div className="title-row">
        <h2 id={id} className="h3">
          {s.medicationName}
        </h2>
        {s.low && <span className="chip sev-CONTRAINDICATED">{t("ph.stock.low")}</span>}
      </div>
      <p className="meta">
        {t("ph.stock.summary", {
          onHand: s.onHand,
          reorder: s.reorderLevel,
          expired: s.expiredQuantity,
        })}
      </p>
      {s.batches.length > 0 ? (
        <BatchTable
          stock={s}
          caption={t("ph.stock.batchesOf", { name: s.medicationName })}
          onAdjust={(b) => onAdjust(b.batchId)}
        />
      ) : (
        <p>{t("ph.stock.noBatches")}</p>
      )}
      <p>
        <Link to={receive} aria-label={t("ph.stock.receiveOf", { name: s.medicationName })}>
          {t("ph.stock.receive")}
        </Link>
      </p>
    </li>
  );
}

function receiveLink(s: StockLevel): string {
  return `/pharmacy/receiving?${new URLSearchParams({
    medication: s.medicationId,
    name: s.medicationName,
  }).toString()}`;
}

/** Medications with no batch on the shelf, in one compact table. */
function EmptyShelf({ levels }: { levels: StockLevel[] }) {
  const { t } = useI18n();
  const id = useId();
  return (
    <section className="card rx-part" aria-labelledby={id}>
      <h2 id={id} className="h3">
        {t("ph.stock.empty")}
      </h2>
      <div className="table-wrap">
        <table className="table rx-table">
          <caption className="sr-only">{t("ph.stock.empty")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("rx.medication")}</th>
              <th scope="col" className="num">
                {t("ph.stock.reorderAt")}
              </th>
              <th scope="col">
                <span className="sr-only">{t("ph.stock.receive")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {levels.map((s) => (
              <tr key={s.medicationId} data-medication={s.medicationId}>
                <th scope="row">{s.medicationName}</th>
                <td className="num">{s.reorderLevel}</td>
                <td>
                  <Link
                    to={receiveLink(s)}
                    aria-label={t("ph.stock.receiveOf", { name: s.medicationName })}
                  >
                    {t("ph.stock.receive")}
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export default function Stock() {
  const { t } = useI18n();
  const [lowOnly, setLowOnly] = useState(false);
  const [adjusting, setAdjusting] = useState<{ medicationId: string; batchId: string }>();
  const stock = useInfiniteQuery(
    PharmacyService.method.listStock,
    { lowOnly, page: { pageSize: PAGE, pageToken: "" } },
    {
      pageParamKey: "page",
      getNextPageParam: (last) =>
        last.page?.nextPageToken
          ? { pageSize: PAGE, pageToken: last.page.nextPageToken }
          : undefined,
    },
  );
  const levels = stock.data?.pages.flatMap((p) => p.stock) ?? [];
  const stocked = levels.filter((s) => s.batches.length > 0);
  const empty = levels.filter((s) => s.batches.length === 0);
  // The dialog follows the list, so it shows the batch as it is after an adjustment.
  const open = adjusting && levels.find((s) => s.medicationId === adjusting.medicationId);
  const batch = open && open.batches.find((b) => b.batchId === adjusting.batchId);
  return (
    <div className="rx">
      <h1>{t("ph.stock.title")}</h1>
      <p className="meta">{t("ph.stock.help")}</p>
      <div className="toolbar">
        <label className="check">
          <input type="checkbox" checked={lowOnly} onChange={(e) => setLowOnly(e.target.checked)} />
          {t("ph.stock.lowOnly")}
        </label>
      </div>
      <ProblemMessage error={stock.error} scope="rx.reason" />
      {stock.isPending && <Loading />}
      {stock.isSuccess && levels.length === 0 && (
        <p>{lowOnly ? t("ph.stock.noneLow") : t("ph.stock.none")}</p>
      )}
      {stocked.length > 0 && (
        <ul className="rx-list" aria-label={t("ph.stock.withBatches")}>
          {stocked.map((s) => (
            <StockCard
              key={s.medicationId}
              stock={s}
              onAdjust={(batchId) => setAdjusting({ medicationId: s.medicationId, batchId })}
            />
          ))}
        </ul>
      )}
      {empty.length > 0 && <EmptyShelf levels={empty} />}
      {stock.hasNextPage && (
        <Button
          className="button"
          isDisabled={stock.isFetchingNextPage}
          onPress={() => void stock.fetchNextPage()}
        >
          {t("app.more")}
        </Button>
      )}
      {open && batch && (
        <AdjustDialog stock={open} batch={batch} onClose={() => setAdjusting(undefined)} />
      )}
    </div>
  );
}
