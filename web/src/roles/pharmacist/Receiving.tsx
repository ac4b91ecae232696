// Receiving a batch of a medication (UpdateStock receive: lot, expiry date, units, unit
// cost) and adjusting its batches (UpdateStock adjust). The medication is found in the
// catalog, or comes from the stock page's link (?medication=…&name=…); its batches are
// read from the stock list, and after a receipt from the answer.
import { useState } from "react";
import { useSearchParams } from "react-router";
import { Button, Form } from "react-aria-components";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { PharmacyService, type StockLevel } from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { useI18n } from "../../i18n";
import { compareDays, formatDay } from "../../format";
import { Field, type FormSubmit } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage, fieldErrors } from "../../components/Problem";
import { toProblem } from "../../api/errors";
import { parseDateInput } from "../admin/common";
import { parseAmount } from "../admin/money";
import { MedicationSearch } from "../../pharmacy/MedicationSearch";
import { useRefreshPharmacy } from "../../pharmacy/parts";
import { parseCount } from "../../pharmacy/rx";
import { AdjustForm, BatchTable, useClinicToday } from "./StockParts";
import "../../pharmacy/pharmacy.css";

const MAX_QUANTITY = 1_000_000;
const CURRENCY = "VND";

function ReceiveForm({
  medicationId,
  name,
  onReceived,
}: {
  medicationId: string;
  name: string;
  onReceived: (s: StockLevel) => void;
}) {
  const { t, lang } = useI18n();
  const today = useClinicToday();
  const refresh = useRefreshPharmacy();
  const receive = useMutation(PharmacyService.method.updateStock);
  const [lot, setLot] = useState("");
  const [expiry, setExpiry] = useState("");
  const [quantity, setQuantity] = useState("");
  const [cost, setCost] = useState("");
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [done, setDone] = useState("");

  /** An edited field's error goes at once (shown again, it would move the form under the pointer). */
  const edit = (field: string, set: (v: string) => void) => (v: string) => {
    set(v);
    setDone("");
    receive.reset();
    setInvalid((old) => Object.fromEntries(Object.entries(old).filter(([k]) => k !== field)));
  };

  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const errors: Record<string, string> = {};
    const day = parseDateInput(expiry);
    const units = parseCount(quantity, 1, MAX_QUANTITY);
    const price = cost.trim() ? parseAmount(cost, CURRENCY) : undefined;
    if (!lot.trim()) errors["receive.lot"] = t("ph.recv.lotNeeded");
    if (!day) errors["receive.expiry_date"] = t("ph.recv.expiryNeeded");
    else if (compareDays(day, today) <= 0) errors["receive.expiry_date"] = t("ph.recv.expiryPast");
    if (units === undefined)
      errors["receive.quantity"] = t("ph.recv.quantityInvalid", { max: MAX_QUANTITY });
    if (price && !price.ok) errors["receive.unit_cost"] = t("ph.recv.costInvalid");
    setInvalid(errors);
    setDone("");
    if (Object.keys(errors).length > 0 || !day || units === undefined) return;
    receive.mutate(
      {
        medicationId,
        change: {
          case: "receive",
          value: {
            lot: lot.trim(),
            expiryDate: day,
            quantity: units,
            ...(price?.ok ? { unitCost: { amountMinor: price.minor, currency: CURRENCY } } : {}),
          },
        },
      },
      {
        onSuccess: (r) => {
          setDone(
            t("ph.recv.done", {
              lot: lot.trim(),
              units,
              expiry: formatDay(day, lang, true),
              onHand: r.stock?.onHand ?? 0,
            }),
          );
          setLot("");
          setExpiry("");
          setQuantity("");
          setCost("");
          void refresh();
          if (r.stock) onReceived(r.stock);
        },
      },
    );
  };
  const errors = {
    ...fieldErrors(t, receive.error ? toProblem(receive.error) : undefined),
    ...invalid,
  };
  return (
    <Form
      className="stack"
      validationBehavior="aria"
      validationErrors={errors}
      onSubmit={submit}
      aria-label={t("ph.recv.formLabel", { name })}
    >
      <div className="row">
        <Field
          name="receive.lot"
          label={t("rx.lot")}
          value={lot}
          onChange={edit("receive.lot", setLot)}
        />
        <Field
          name="receive.expiry_date"
          type="date"
          label={t("ph.recv.expiry")}
          value={expiry}
          onChange={edit("receive.expiry_date", setExpiry)}
        />
        <Field
          name="receive.quantity"
          label={t("ph.recv.quantity")}
          inputMode="numeric"
          value={quantity}
          onChange={edit("receive.quantity", setQuantity)}
        />
        <Field
          name="receive.unit_cost"
          label={t("ph.recv.cost", { currency: CURRENCY })}
          hint={t("ph.recv.costHint")}
          inputMode="decimal"
          value={cost}
          onChange={edit("receive.unit_cost", setCost)}
        />
      </div>
      <ProblemMessage
        error={receive.error}
        scope="rx.reason"
        shownFields={[
          "receive.lot",
          "receive.expiry_date",
          "receive.quantity",
          "receive.unit_cost",
        ]}
      />
      {done && (
        <p className="note" role="status">
          {done}
        </p>
      )}
      <Button type="submit" className="button primary" isDisabled={receive.isPending}>
        {t("ph.recv.submit")}
      </Button>
    </Form>
  );
}

export default function Receiving() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const medicationId = params.get("medication") ?? "";
  const name = params.get("name") ?? "";
  const [received, setReceived] = useState<StockLevel | undefined>();
  // The medication's batches: from the stock list (every medication on one page), or the
  // answer of the last change.
  const all = useQuery(
    PharmacyService.method.listStock,
    { lowOnly: false, page: { pageSize: 500 } },
    { enabled: !!medicationId },
  );
  const listed = all.data?.stock.find((s) => s.medicationId === medicationId);
  const stock = listed ?? (received?.medicationId === medicationId ? received : undefined);
  return (
    <div className="rx">
      <h1>{t("ph.recv.title")}</h1>
      <p className="meta">{t("ph.recv.help")}</p>
      <MedicationSearch
        label={t("ph.recv.find")}
        resultsLabel={t("rx.search.results")}
        onChoose={(m) => {
          setReceived(undefined);
          setParams({ medication: m.medicationId, name: m.name });
        }}
      />
      {medicationId && (
        <>
          <section className="card rx-part" aria-labelledby="receive-heading">
            <h2 id="receive-heading">{t("ph.recv.receiveOf", { name })}</h2>
            <ReceiveForm
              key={medicationId}
              medicationId={medicationId}
              name={name}
              onReceived={setReceived}
            />
          </section>
          <section className="card rx-part" aria-labelledby="batches-heading">
            <h2 id="batches-heading">{t("ph.recv.batchesOf", { name })}</h2>
            <ProblemMessage error={all.error} scope="rx.reason" />
            {all.isPending && <Loading />}
            {stock && (
              <>
                <p className="meta">
                  {t("ph.stock.summary", {
                    onHand: stock.onHand,
                    reorder: stock.reorderLevel,
                    expired: stock.expiredQuantity,
                  })}
                </p>
                {stock.batches.length > 0 ? (
                  <BatchTable stock={stock} caption={t("ph.recv.batchesOf", { name })} />
                ) : (
                  <p>{t("ph.stock.noBatches")}</p>
                )}
              </>
            )}
          </section>
          {stock && stock.batches.length > 0 && (
            <section className="card rx-part" aria-labelledby="adjust-heading">
              <h2 id="adjust-heading">{t("ph.adjust.title")}</h2>
              <p className="meta">{t("ph.adjust.help")}</p>
              <AdjustForm key={medicationId} stock={stock} onDone={setReceived} />
            </section>
          )}
        </>
      )}
    </div>
  );
}
