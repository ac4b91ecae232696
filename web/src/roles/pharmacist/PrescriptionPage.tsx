// One prescription as the pharmacist works it (PharmacyService.GetPrescription): its
// medications, the findings its prescriber overrode with the reason (highlighted, to be
// read before verifying), verification (VerifyPrescription with the version read:
// approve, or reject with a reason), and for a verified or partly dispensed one the
// preview of what earliest-expiry-first takes now (PreviewDispense: lots, expiry dates,
// units, any shortfall), then the dispense of everything left or of chosen quantities
// (DispensePrescription) and what it took. A verified one may still be cancelled.
import { useId, useState, type ReactNode } from "react";
import { Link, useParams } from "react-router";
import { Button, Form } from "react-aria-components";
import { ConnectError } from "@connectrpc/connect";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import {
  PharmacyService,
  PrescriptionStatus,
  type Dispense,
  type Prescription,
} from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { useI18n } from "../../i18n";
import { errorReason } from "../../api/errors";
import { formatDateTime, formatMoney } from "../../format";
import { useClinicZone } from "../../format/zone";
import { Field, type FormSubmit } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import {
  CancelPrescription,
  DispenseList,
  FindingList,
  ItemsTable,
  Picks,
  RxStatusBadge,
  useRefreshPharmacy,
} from "../../pharmacy/parts";
import {
  canCancel,
  canDispense,
  canVerify,
  chosenQuantities,
  planOf,
  remaining,
  rxStatusLabel,
  type DispensePlan,
} from "../../pharmacy/rx";

function Part({ title, children }: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <section className="card rx-part" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/** A concurrent change: the prescription is read again, so the next try has its version. */
function isStale(error: unknown): boolean {
  return !!error && errorReason(ConnectError.from(error)) === "CONCURRENT_UPDATE";
}

function Verify({ prescription: p }: { prescription: Prescription }) {
  const { t } = useI18n();
  const refresh = useRefreshPharmacy();
  const verify = useMutation(PharmacyService.method.verifyPrescription, {
    onSettled: (_data, error) => {
      if (!error || isStale(error)) void refresh();
    },
  });
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const reject = (e: FormSubmit) => {
    e.preventDefault();
    if (!reason.trim()) {
      setMissing(true);
      return;
    }
    verify.mutate({
      prescriptionId: p.prescriptionId,
      approve: false,
      reason: reason.trim(),
      version: p.version,
    });
  };
  return (
    <Part title={t("ph.verify.title")}>
      <p className="meta">
        {p.overriddenFindings.length > 0 ? t("ph.verify.helpOverridden") : t("ph.verify.help")}
      </p>
      <ProblemMessage error={verify.error} scope="rx.reason" />
      {!rejecting ? (
        <div className="actions">
          <Button
            className="button primary"
            isDisabled={verify.isPending}
            onPress={() =>
              verify.mutate({
                prescriptionId: p.prescriptionId,
                approve: true,
                reason: "",
                version: p.version,
              })
            }
          >
            {t("ph.verify.approve")}
          </Button>
          <Button className="button danger" onPress={() => setRejecting(true)}>
            {t("ph.verify.reject")}
          </Button>
        </div>
      ) : (
        <Form
          className="stack"
          validationBehavior="aria"
          validationErrors={missing ? { reason: t("ph.verify.reasonNeeded") } : {}}
          onSubmit={reject}
          aria-label={t("ph.verify.reject")}
        >
          <Field
            name="reason"
            label={t("ph.verify.reason")}
            value={reason}
            onChange={(v) => {
              setReason(v);
              setMissing(false);
            }}
            multiline
            isRequired
          />
          <div className="actions">
            <Button type="submit" className="button danger" isDisabled={verify.isPending}>
              {t("ph.verify.rejectSubmit")}
            </Button>
            <Button className="button" onPress={() => setRejecting(false)}>
              {t("app.back")}
            </Button>
          </div>
        </Form>
      )}
    </Part>
  );
}

function PlanTable({
  plan,
  caption,
  preview,
}: {
  plan: DispensePlan;
  caption: string;
  preview: boolean;
}) {
  const { t } = useI18n();
  return (
    <div className="table-wrap">
      <table className="table rx-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t("rx.medication")}</th>
            <th scope="col" className="num">
              {preview ? t("ph.disp.requested") : t("ph.disp.asked")}
            </th>
            <th scope="col" className="num">
              {preview ? t("ph.disp.toTake") : t("ph.disp.taken")}
            </th>
            <th scope="col" className="num">
              {t("ph.disp.short")}
            </th>
            <th scope="col">{t("ph.disp.batches")}</th>
          </tr>
        </thead>
        <tbody>
          {plan.lines.map((l) => (
            <tr key={l.itemId}>
              <th scope="row">{l.medicationName}</th>
              <td className="num">{l.requested}</td>
              <td className="num">{l.quantity}</td>
              <td className={`num ${l.shortfall > 0 ? "shortfall" : ""}`}>
                {l.shortfall > 0 ? l.shortfall : "–"}
              </td>
              <td>
                <Picks picks={l.picks} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DispenseForm({
  prescription: p,
  onDispensed,
}: {
  prescription: Prescription;
  onDispensed: (d: Dispense, status: PrescriptionStatus) => void;
}) {
  const { t } = useI18n();
  const refresh = useRefreshPharmacy();
  const preview = useQuery(
    PharmacyService.method.previewDispense,
    { prescriptionId: p.prescriptionId },
    { staleTime: 0 },
  );
  const dispense = useMutation(PharmacyService.method.dispensePrescription, {
    onSuccess: (r) => {
      if (r.dispense) {
        onDispensed(r.dispense, r.prescription?.status ?? PrescriptionStatus.UNSPECIFIED);
      }
      void refresh();
    },
  });
  const [mode, setMode] = useState<"all" | "chosen">("all");
  const [typed, setTyped] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [none, setNone] = useState(false);
  const plan = planOf(preview.data?.lines ?? []);
  const open = p.items.filter((i) => remaining(i) > 0);

  const submit = (e: FormSubmit) => {
    e.preventDefault();
    if (mode === "all") {
      dispense.mutate({ prescriptionId: p.prescriptionId, items: [] });
      return;
    }
    const check = chosenQuantities(open, typed);
    if (!check.ok) {
      setNone(check.none);
      setProblems(
        Object.fromEntries(
          Object.entries(check.problems).map(([id, problem]) => {
            const item = open.find((i) => i.itemId === id);
            return [
              `qty-${id}`,
              problem === "format"
                ? t("ph.disp.qtyFormat")
                : t("ph.disp.qtyTooMany", { left: item ? remaining(item) : 0 }),
            ];
          }),
        ),
      );
      return;
    }
    setProblems({});
    setNone(false);
    dispense.mutate({ prescriptionId: p.prescriptionId, items: check.items });
  };

  return (
    <Part title={t("ph.disp.title")}>
      <h3>{t("ph.disp.preview")}</h3>
      <p className="meta">{t("ph.disp.previewHelp")}</p>
      <ProblemMessage error={preview.error} scope="rx.reason" />
      {preview.isPending && <Loading />}
      {preview.isSuccess && (
        <>
          <PlanTable plan={plan} caption={t("ph.disp.preview")} preview />
          <p className={plan.complete ? "note" : "problem"} role="status">
            {plan.complete
              ? t("ph.disp.complete", { units: plan.quantity })
              : plan.empty
                ? t("ph.disp.empty")
                : t("ph.disp.shortfall", {
                    units: plan.quantity,
                    requested: plan.requested,
                    short: plan.shortfall,
                  })}
          </p>
        </>
      )}
      <Form
        className="stack"
        validationBehavior="aria"
        validationErrors={problems}
        onSubmit={submit}
        aria-label={t("ph.disp.title")}
      >
        <fieldset className="mode">
          <legend>{t("ph.disp.what")}</legend>
          <label>
            <input
              type="radio"
              name="mode"
              value="all"
              checked={mode === "all"}
              onChange={() => setMode("all")}
            />
            {t("ph.disp.all")}
          </label>
          <label>
            <input
              type="radio"
              name="mode"
              value="chosen"
              checked={mode === "chosen"}
              onChange={() => setMode("chosen")}
            />
            {t("ph.disp.chosen")}
          </label>
        </fieldset>
        {mode === "chosen" &&
          open.map((i) => (
            <Field
              key={i.itemId}
              name={`qty-${i.itemId}`}
              label={t("ph.disp.qtyOf", { name: i.medicationName, left: remaining(i) })}
              inputMode="numeric"
              value={typed[i.itemId] ?? ""}
              onChange={(v) => {
                setTyped((old) => ({ ...old, [i.itemId]: v }));
                setProblems({});
                setNone(false);
              }}
            />
          ))}
        {none && (
          <p className="problem" role="alert">
            {t("ph.disp.qtyNone")}
          </p>
        )}
        <ProblemMessage error={dispense.error} scope="rx.reason" />
        <Button
          type="submit"
          className="button primary"
          isDisabled={dispense.isPending || (mode === "all" && preview.isSuccess && plan.empty)}
        >
          {t("ph.disp.submit")}
        </Button>
      </Form>
    </Part>
  );
}

function DispenseResult({
  dispense: d,
  status,
}: {
  dispense: Dispense;
  status: PrescriptionStatus;
}) {
  const { t, lang } = useI18n();
  const plan = planOf(d.lines);
  return (
    <Part title={t("ph.disp.done")}>
      <p className="note" role="status">
        {t("ph.disp.doneNote", {
          units: plan.quantity,
          total: formatMoney(d.total ?? { amountMinor: 0n, currency: "VND" }, lang),
          status: t(rxStatusLabel(status)),
        })}
      </p>
      <PlanTable plan={plan} caption={t("ph.disp.done")} preview={false} />
    </Part>
  );
}

export default function PrescriptionPage() {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const { prescriptionId = "" } = useParams();
  const overriddenId = useId();
  const got = useQuery(
    PharmacyService.method.getPrescription,
    { prescriptionId },
    { enabled: !!prescriptionId },
  );
  const [dispensed, setDispensed] = useState<
    { dispense: Dispense; status: PrescriptionStatus } | undefined
  >();
  const p = got.data?.prescription;
  return (
    <div className="rx">
      <p>
        <Link to="/pharmacy/queue">← {t("ph.rx.back")}</Link>
      </p>
      <ProblemMessage error={got.error} scope="rx.reason" />
      {got.isPending && <Loading />}
      {p && (
        <>
          <div className="title-row">
            <h1>{t("ph.rx.title")}</h1>
            <RxStatusBadge status={p.status} />
          </div>
          <dl className="facts">
            <div>
              <dt>{t("rx.patient")}</dt>
              <dd>
                <code title={p.patientId}>{p.patientId.slice(-8)}</code>
              </dd>
            </div>
            <div>
              <dt>{t("rx.prescriber")}</dt>
              <dd>
                <code title={p.doctorId}>{p.doctorId.slice(-8)}</code>
              </dd>
            </div>
            <div>
              <dt>{t("ph.rx.written")}</dt>
              <dd>{p.createTime ? formatDateTime(p.createTime, zone, lang) : "–"}</dd>
            </div>
            {p.verifyTime && (
              <div>
                <dt>{t("ph.rx.verified")}</dt>
                <dd>{formatDateTime(p.verifyTime, zone, lang)}</dd>
              </div>
            )}
          </dl>
          {p.overriddenFindings.length > 0 && (
            <section className="overridden" aria-labelledby={overriddenId}>
              <h2 id={overriddenId}>{t("rx.overridden")}</h2>
              <p className="override-reason">
                {t("rx.overrideReason", { reason: p.overrideReason })}
              </p>
              <FindingList findings={p.overriddenFindings} label={t("rx.overridden")} />
            </section>
          )}
          {p.cancelReason && (
            <p className="problem">{t("rx.cancelReason", { reason: p.cancelReason })}</p>
          )}
          <Part title={t("rx.items")}>
            <ItemsTable items={p.items} caption={t("rx.items")} />
            {p.notes && <p className="meta">{t("rx.notes", { notes: p.notes })}</p>}
            <DispenseList dispenses={p.dispenses} />
          </Part>
          {dispensed && <DispenseResult dispense={dispensed.dispense} status={dispensed.status} />}
          {canVerify(p.status) && <Verify prescription={p} />}
          {canDispense(p.status) && (
            <DispenseForm
              key={`${p.version.toString()}-${String(p.dispenses.length)}`}
              prescription={p}
              onDispensed={(dispense, status) => setDispensed({ dispense, status })}
            />
          )}
          {p.status === PrescriptionStatus.VERIFIED && canCancel(p.status) && (
            <CancelPrescription prescription={p} />
          )}
        </>
      )}
    </div>
  );
}
