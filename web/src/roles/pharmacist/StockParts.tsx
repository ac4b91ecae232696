// What the stock and receiving pages share: a medication's batches in dispensing order
// (earliest expiry first; expired ones marked, as they are never dispensed) and the
// adjustment of a batch (UpdateStock adjust: units added or removed, a reason, a note),
// inline or in a dialog.
import { useState } from "react";
import { Button, Dialog, Form, Heading, Modal, ModalOverlay } from "react-aria-components";
import { useMutation } from "@connectrpc/connect-query";
import {
  AdjustmentReason,
  PharmacyService,
  type Batch,
  type StockLevel,
} from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { useI18n } from "../../i18n";
import { dayInZone, formatDateTime, formatDay, formatMoney, type Day } from "../../format";
import { useClinicZone } from "../../format/zone";
import { Field, type FormSubmit } from "../../components/fields";
import { ProblemMessage } from "../../components/Problem";
import { SelectField } from "../admin/common";
import { parseEnum } from "../admin/enums";
import { useRefreshPharmacy } from "../../pharmacy/parts";
import {
  ADJUSTMENT_REASONS,
  adjustmentReasonLabel,
  dayOf,
  daysBetween,
  expiryState,
  parseDelta,
} from "../../pharmacy/rx";

/** The clinic's day today. */
export function useClinicToday(): Day {
  const zone = useClinicZone();
  return dayInZone(new Date(), zone);
}

/**
 * "Expired", "Expires in 12 days" (within `soonDays`) or "" for a batch, against the
 * clinic's day.
 */
export function useExpiryText(soonDays = 90): (b: Pick<Batch, "expiryDate" | "expired">) => {
  state: "expired" | "soon" | "ok";
  text: string;
} {
  const { t } = useI18n();
  const today = useClinicToday();
  return (b) => {
    const expiry = dayOf(b.expiryDate);
    const state = b.expired ? "expired" : expiryState(expiry, today, soonDays);
    if (state === "expired") return { state, text: t("ph.batch.expired") };
    const left = expiry ? daysBetween(today, expiry) : 0;
    return { state, text: state === "soon" ? t("ph.batch.expiresIn", { days: left }) : "" };
  };
}

export function BatchTable({
  stock,
  caption,
  onAdjust,
}: {
  stock: StockLevel;
  caption: string;
  onAdjust?: (b: Batch) => void;
}) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const expiry = useExpiryText();
  return (
    <div className="table-wrap">
      <table className="table rx-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t("rx.lot")}</th>
            <th scope="col">{t("rx.expiry")}</th>
            <th scope="col" className="num">
              {t("rx.units")}
            </th>
            <th scope="col" className="num">
              {t("ph.batch.unitCost")}
            </th>
            <th scope="col">{t("ph.batch.received")}</th>
            <th scope="col">{t("rx.status")}</th>
            {onAdjust && (
              <th scope="col">
                <span className="sr-only">{t("ph.adjust.title")}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {stock.batches.map((b) => {
            const e = expiry(b);
            const day = dayOf(b.expiryDate);
            return (
              <tr key={b.batchId} className={e.state} data-lot={b.lot}>
                <th scope="row">{b.lot}</th>
                <td>{day ? formatDay(day, lang, true) : "–"}</td>
                <td className="num">{b.quantity}</td>
                <td className="num">
                  {b.unitCost && b.unitCost.amountMinor > 0n ? formatMoney(b.unitCost, lang) : "–"}
                </td>
                <td>{b.receiveTime ? formatDateTime(b.receiveTime, zone, lang) : "–"}</td>
                <td>{e.text || t("ph.batch.ok")}</td>
                {onAdjust && (
                  <td>
                    <Button
                      className="button small"
                      onPress={() => onAdjust(b)}
                      aria-label={t("ph.adjust.lot", { lot: b.lot })}
                    >
                      {t("ph.adjust.open")}
                    </Button>
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Adjusts a batch of `stock`: the one given, or one chosen here. The change is checked
 * before it is sent (a whole number, not zero, never below what the batch holds).
 */
export function AdjustForm({
  stock,
  batch: fixed,
  onDone,
}: {
  stock: StockLevel;
  batch?: Batch;
  onDone?: (s: StockLevel) => void;
}) {
  const { t, lang } = useI18n();
  const refresh = useRefreshPharmacy();
  const [batchId, setBatchId] = useState(fixed?.batchId ?? stock.batches[0]?.batchId ?? "");
  const [delta, setDelta] = useState("");
  const [reason, setReason] = useState(String(AdjustmentReason.UNSPECIFIED));
  const [note, setNote] = useState("");
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [done, setDone] = useState("");
  const adjust = useMutation(PharmacyService.method.updateStock);
  const batch = stock.batches.find((b) => b.batchId === batchId);
  /** An edited field's error goes at once (shown again, it would move the form under the pointer). */
  const edited = (field: string) => {
    setDone("");
    adjust.reset();
    setInvalid((old) => Object.fromEntries(Object.entries(old).filter(([k]) => k !== field)));
  };

  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const errors: Record<string, string> = {};
    const n = parseDelta(delta);
    if (n === undefined) errors["adjust.delta"] = t("ph.adjust.deltaInvalid");
    else if (batch && batch.quantity + n < 0) {
      errors["adjust.delta"] = t("ph.adjust.belowZero", { units: batch.quantity });
    }
    const why = parseEnum(AdjustmentReason, reason, AdjustmentReason.UNSPECIFIED);
    if (why === AdjustmentReason.UNSPECIFIED) errors["adjust.reason"] = t("ph.adjust.reasonNeeded");
    if (!batch) errors["adjust.batch_id"] = t("ph.adjust.batchNeeded");
    setInvalid(errors);
    setDone("");
    if (Object.keys(errors).length > 0 || n === undefined || !batch) return;
    adjust.mutate(
      {
        medicationId: stock.medicationId,
        change: {
          case: "adjust",
          value: { batchId: batch.batchId, delta: n, reason: why, note: note.trim() },
        },
      },
      {
        onSuccess: (r) => {
          const after = r.stock?.batches.find((b) => b.batchId === batch.batchId);
          setDone(
            t("ph.adjust.done", {
              lot: batch.lot,
              units: after?.quantity ?? batch.quantity + n,
              onHand: r.stock?.onHand ?? 0,
            }),
          );
          setDelta("");
          setNote("");
          void refresh();
          if (r.stock) onDone?.(r.stock);
        },
      },
    );
  };

  const describe = (b: Batch) => {
    const day = dayOf(b.expiryDate);
    return t("ph.adjust.batchOption", {
      lot: b.lot,
      expiry: day ? formatDay(day, lang, true) : "–",
      units: b.quantity,
    });
  };

  return (
    <Form
      className="stack"
      validationBehavior="aria"
      validationErrors={invalid}
      onSubmit={submit}
      aria-label={t("ph.adjust.formLabel", { name: stock.medicationName })}
    >
      {fixed ? (
        <p className="meta">{describe(fixed)}</p>
      ) : (
        <SelectField
          label={t("ph.adjust.batch")}
          name="adjust.batch_id"
          value={batchId}
          onChange={(v) => {
            setBatchId(v);
            edited("adjust.batch_id");
          }}
          options={stock.batches.map((b) => ({ value: b.batchId, label: describe(b) }))}
          error={invalid["adjust.batch_id"]}
        />
      )}
      <div className="row">
        <Field
          name="adjust.delta"
          label={t("ph.adjust.delta")}
          hint={t("ph.adjust.deltaHint")}
          value={delta}
          onChange={(v) => {
            setDelta(v);
            edited("adjust.delta");
          }}
        />
        <SelectField
          label={t("ph.adjust.reason")}
          name="adjust.reason"
          value={reason}
          onChange={(v) => {
            setReason(v);
            edited("adjust.reason");
          }}
          options={[AdjustmentReason.UNSPECIFIED, ...ADJUSTMENT_REASONS].map((r) => ({
            value: String(r),
            label: t(adjustmentReasonLabel(r)),
          }))}
          error={invalid["adjust.reason"]}
        />
      </div>
      <Field name="adjust.note" label={t("ph.adjust.note")} value={note} onChange={setNote} />
      <ProblemMessage
        error={adjust.error}
        scope="rx.reason"
        shownFields={["adjust.delta", "adjust.reason", "adjust.batch_id", "adjust.note"]}
      />
      {done && (
        <p className="note" role="status">
          {done}
        </p>
      )}
      <Button type="submit" className="button primary" isDisabled={adjust.isPending}>
        {t("ph.adjust.submit")}
      </Button>
    </Form>
  );
}

export function AdjustDialog({
  stock,
  batch,
  onClose,
}: {
  stock: StockLevel;
  batch: Batch;
  onClose: () => void;
}) {
  const { t } = useI18n();
  return (
    <ModalOverlay
      isOpen
      isDismissable
      onOpenChange={(open) => !open && onClose()}
      className="overlay"
    >
      <Modal className="modal">
        <Dialog className="dialog">
          <Heading slot="title">
            {t("ph.adjust.dialogTitle", { name: stock.medicationName, lot: batch.lot })}
          </Heading>
          <AdjustForm stock={stock} batch={batch} />
          <div className="actions">
            <Button className="button" onPress={onClose}>
              {t("app.close")}
            </Button>
          </div>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
