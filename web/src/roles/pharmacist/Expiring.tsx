// Batches with units left that expire within N days, or have expired, soonest first
// (PharmacyService.ListExpiringBatches), with the days left against the clinic's day.
import { useState } from "react";
import { Button, Form } from "react-aria-components";
import { useQuery } from "@connectrpc/connect-query";
import { PharmacyService } from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { useI18n } from "../../i18n";
import { formatDay } from "../../format";
import { Field, type FormSubmit } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { dayOf, parseCount } from "../../pharmacy/rx";
import { useExpiryText } from "./StockParts";
import "../../pharmacy/pharmacy.css";

const MAX_DAYS = 730;

export default function Expiring() {
  const { t, lang } = useI18n();
  const [typed, setTyped] = useState("90");
  const [within, setWithin] = useState(90);
  const expiry = useExpiryText(within);
  const [invalid, setInvalid] = useState(false);
  const found = useQuery(PharmacyService.method.listExpiringBatches, { withinDays: within });
  const batches = found.data?.batches ?? [];
  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const n = parseCount(typed, 1, MAX_DAYS);
    setInvalid(n === undefined);
    if (n !== undefined) setWithin(n);
  };
  return (
    <div className="rx">
      <h1>{t("ph.exp.title")}</h1>
      <p className="meta">{t("ph.exp.help")}</p>
      <Form
        className="toolbar"
        validationBehavior="aria"
        validationErrors={invalid ? { within: t("ph.exp.daysInvalid", { max: MAX_DAYS }) } : {}}
        onSubmit={submit}
        aria-label={t("ph.exp.title")}
      >
        <Field
          name="within"
          label={t("ph.exp.within")}
          inputMode="numeric"
          value={typed}
          onChange={(v) => {
            setTyped(v);
            setInvalid(false);
          }}
        />
        <Button type="submit" className="button">
          {t("ph.exp.show")}
        </Button>
      </Form>
      <ProblemMessage error={found.error} scope="rx.reason" />
      {found.isPending && <Loading />}
      {found.isSuccess && (
        <p className="meta" role="status">
          {t("ph.exp.count", { count: batches.length, days: within })}
        </p>
      )}
      {batches.length > 0 && (
        <div className="table-wrap">
          <table className="table rx-table">
            <caption className="sr-only">{t("ph.exp.caption", { days: within })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("rx.medication")}</th>
                <th scope="col">{t("rx.lot")}</th>
                <th scope="col">{t("rx.expiry")}</th>
                <th scope="col" className="num">
                  {t("rx.units")}
                </th>
                <th scope="col">{t("rx.status")}</th>
              </tr>
            </thead>
            <tbody>
              {batches.map(({ medicationName, batch }, i) => {
                if (!batch) return null;
                const e = expiry(batch);
                const day = dayOf(batch.expiryDate);
                return (
                  <tr key={batch.batchId || String(i)} className={e.state} data-lot={batch.lot}>
                    <th scope="row">{medicationName}</th>
                    <td>{batch.lot}</td>
                    <td>{day ? formatDay(day, lang, true) : "–"}</td>
                    <td className="num">{batch.quantity}</td>
                    <td>{e.text || t("ph.batch.ok")}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
