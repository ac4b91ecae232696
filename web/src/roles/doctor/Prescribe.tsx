// Prescribing from an encounter: the medications found in the pharmacy's catalog, each with
// its dosage, frequency, duration, quantity and instructions, written as one prescription
// (PharmacyService.CreatePrescription). The pharmacy screens it against the patient's
// allergies and active prescriptions: a refusal (PRESCRIPTION_FINDINGS) carries the
// findings, shown one by one (allergy or interaction, severity, the other side,
// description, source), and the doctor may change the prescription or override them with
// a reason, which sends it again with `override_reason`. Below, the prescriptions of this
// encounter (the patient's, filtered here) with their status; the doctor may cancel their
// own before anything was dispensed, with a reason.
import { useId, useState } from "react";
import { Button, Form } from "react-aria-components";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import {
  PharmacyService,
  type Medication,
  type Prescription,
} from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { describeProblem, useI18n } from "../../i18n";
import { toProblem } from "../../api/errors";
import { formatDateTime } from "../../format";
import { useClinicZone } from "../../format/zone";
import { Field, type FormSubmit } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage, fieldErrors } from "../../components/Problem";
import { MedicationSearch } from "../../pharmacy/MedicationSearch";
import {
  CancelPrescription,
  FindingList,
  ItemsTable,
  RxStatusBadge,
  useRefreshPharmacy,
} from "../../pharmacy/parts";
import { canCancel, ofEncounter, parseCount, rxStatusLabel } from "../../pharmacy/rx";
import { useSession } from "../../api/SessionContext";

const MAX_DAYS = 3650;
const MAX_QUANTITY = 1_000_000;

interface Draft {
  medication: Medication;
  dosage: string;
  frequency: string;
  days: string;
  quantity: string;
  instructions: string;
}

type DraftField = "dosage" | "frequency" | "days" | "quantity" | "instructions";

/** The request's field of a draft's input, as the service names its violations. */
const WIRE: Record<DraftField, string> = {
  dosage: "dosage",
  frequency: "frequency",
  days: "duration_days",
  quantity: "quantity",
  instructions: "instructions",
};

function EncounterPrescriptions({ prescriptions }: { prescriptions: Prescription[] }) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const session = useSession();
  const me = session.status === "signed-in" ? session.session.user?.id : undefined;
  if (prescriptions.length === 0) return <p>{t("rx.noneYet")}</p>;
  return (
    <ul className="rx-list" aria-label={t("rx.ofEncounter")}>
      {prescriptions.map((p) => (
        <li key={p.prescriptionId} data-prescription={p.prescriptionId}>
          <div className="rx-head">
            <span>
              {p.createTime && t("rx.written", { time: formatDateTime(p.createTime, zone, lang) })}
            </span>
            <RxStatusBadge status={p.status} />
          </div>
          <ItemsTable items={p.items} caption={t("rx.items")} />
          {p.overriddenFindings.length > 0 && (
            <p className="meta">
              {t("rx.overriddenShort", {
                count: p.overriddenFindings.length,
                reason: p.overrideReason,
              })}
            </p>
          )}
          {p.notes && <p className="meta">{t("rx.notes", { notes: p.notes })}</p>}
          {p.cancelReason && (
            <p className="meta">{t("rx.cancelReason", { reason: p.cancelReason })}</p>
          )}
          {/* The service lets only the prescriber cancel, and only before anything left the shelf. */}
          {p.doctorId === me && canCancel(p.status) && <CancelPrescription prescription={p} />}
        </li>
      ))}
    </ul>
  );
}

function NewPrescription({ patientId, encounterId }: { patientId: string; encounterId: string }) {
  const { t } = useI18n();
  const refresh = useRefreshPharmacy();
  const headingId = useId();
  const create = useMutation(PharmacyService.method.createPrescription);
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [notes, setNotes] = useState("");
  const [reason, setReason] = useState("");
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [reasonMissing, setReasonMissing] = useState(false);
  const [notice, setNotice] = useState("");
  const [written, setWritten] = useState<Prescription | undefined>();

  const problem = create.error ? toProblem(create.error) : undefined;
  const findings =
    problem?.reason === "PRESCRIPTION_FINDINGS" ? (problem.findings?.findings ?? []) : [];
  const refused = findings.length > 0;

  /** A change of the prescription makes an earlier refusal's findings stale. */
  const changed = () => {
    create.reset();
    setWritten(undefined);
    setNotice("");
  };
  const add = (m: Medication) => {
    changed();
    if (drafts.some((d) => d.medication.medicationId === m.medicationId)) {
      setNotice(t("rx.alreadyAdded", { name: m.name }));
      return;
    }
    setDrafts((old) => [
      ...old,
      { medication: m, dosage: "", frequency: "", days: "", quantity: "", instructions: "" },
    ]);
  };
  const update = (i: number, field: DraftField, value: string) => {
    changed();
    setDrafts((old) => old.map((d, n) => (n === i ? { ...d, [field]: value } : d)));
    const key = `items[${String(i)}].${WIRE[field]}`;
    setInvalid((old) => Object.fromEntries(Object.entries(old).filter(([k]) => k !== key)));
  };
  const remove = (i: number) => {
    changed();
    setDrafts((old) => old.filter((_, n) => n !== i));
    setInvalid({});
  };

  const check = (): Record<string, string> => {
    const errors: Record<string, string> = {};
    drafts.forEach((d, i) => {
      const name = (f: DraftField) => `items[${String(i)}].${WIRE[f]}`;
      if (!d.dosage.trim()) errors[name("dosage")] = t("rx.required");
      if (!d.frequency.trim()) errors[name("frequency")] = t("rx.required");
      if (parseCount(d.days, 1, MAX_DAYS) === undefined) {
        errors[name("days")] = t("rx.daysInvalid", { max: MAX_DAYS });
      }
      if (parseCount(d.quantity, 1, MAX_QUANTITY) === undefined) {
        errors[name("quantity")] = t("rx.quantityInvalid", { max: MAX_QUANTITY });
      }
    });
    return errors;
  };

  const send = (overrideReason: string) => {
    create.mutate(
      {
        patientId,
        encounterId,
        notes: notes.trim(),
        overrideReason,
        items: drafts.map((d) => ({
          medicationId: d.medication.medicationId,
          dosage: d.dosage.trim(),
          frequency: d.frequency.trim(),
          durationDays: parseCount(d.days, 1, MAX_DAYS) ?? 0,
          quantity: parseCount(d.quantity, 1, MAX_QUANTITY) ?? 0,
          instructions: d.instructions.trim(),
        })),
      },
      {
        onSuccess: (r) => {
          setWritten(r.prescription);
          setDrafts([]);
          setNotes("");
          setReason("");
          setInvalid({});
          void refresh();
        },
      },
    );
  };

  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const errors = check();
    setInvalid(errors);
    if (Object.keys(errors).length === 0) send("");
  };
  const override = (e: FormSubmit) => {
    e.preventDefault();
    if (!reason.trim()) {
      setReasonMissing(true);
      return;
    }
    setReasonMissing(false);
    send(reason.trim());
  };

  const serverErrors = fieldErrors(t, problem);
  const errors = { ...serverErrors, ...invalid };
  const shown = drafts.flatMap((_, i) =>
    Object.values(WIRE).map((f) => `items[${String(i)}].${f}`),
  );

  return (
    <div className="rx-new">
      <h3>{t("rx.new")}</h3>
      <MedicationSearch
        label={t("rx.search")}
        resultsLabel={t("rx.search.results")}
        onChoose={add}
      />
      {notice && (
        <p className="note" role="status">
          {notice}
        </p>
      )}
      {written && (
        <p className="note" role="status">
          {t("rx.writtenNote", { status: t(rxStatusLabel(written.status)) })}
        </p>
      )}
      {drafts.length === 0 && !written && <p className="meta">{t("rx.new.empty")}</p>}
      {drafts.length > 0 && (
        <Form
          className="stack"
          validationBehavior="aria"
          validationErrors={errors}
          onSubmit={submit}
          aria-label={t("rx.new")}
        >
          {drafts.map((d, i) => {
            const name = (f: DraftField) => `items[${String(i)}].${WIRE[f]}`;
            return (
              <fieldset className="rx-draft" key={d.medication.medicationId}>
                <legend>{d.medication.name}</legend>
                <div className="row">
                  <Field
                    name={name("dosage")}
                    label={t("rx.dosage")}
                    hint={t("rx.dosageHint")}
                    value={d.dosage}
                    onChange={(v) => update(i, "dosage", v)}
                  />
                  <Field
                    name={name("frequency")}
                    label={t("rx.frequency")}
                    hint={t("rx.frequencyHint")}
                    value={d.frequency}
                    onChange={(v) => update(i, "frequency", v)}
                  />
                  <Field
                    name={name("days")}
                    label={t("rx.durationLabel")}
                    inputMode="numeric"
                    value={d.days}
                    onChange={(v) => update(i, "days", v)}
                  />
                  <Field
                    name={name("quantity")}
                    label={t("rx.quantityLabel")}
                    hint={t("rx.quantityHint", { strength: d.medication.strength })}
                    inputMode="numeric"
                    value={d.quantity}
                    onChange={(v) => update(i, "quantity", v)}
                  />
                </div>
                <Field
                  name={name("instructions")}
                  label={t("rx.instructions")}
                  value={d.instructions}
                  onChange={(v) => update(i, "instructions", v)}
                />
                <Button className="button quiet small" onPress={() => remove(i)}>
                  {t("rx.remove", { name: d.medication.name })}
                </Button>
              </fieldset>
            );
          })}
          <Field
            name="notes"
            label={t("rx.notesLabel")}
            value={notes}
            onChange={(v) => {
              changed();
              setNotes(v);
            }}
            multiline
          />
          {!refused && (
            <ProblemMessage error={create.error} scope="rx.reason" shownFields={shown} />
          )}
          {!refused && (
            <Button type="submit" className="button primary" isDisabled={create.isPending}>
              {t("rx.submit")}
            </Button>
          )}
        </Form>
      )}
      {refused && problem && (
        <section className="findings-refusal" aria-labelledby={headingId}>
          <h3 id={headingId}>{t("rx.refusedTitle")}</h3>
          <p role="alert">{describeProblem(t, problem, "rx.reason")}</p>
          <FindingList findings={findings} label={t("rx.findings")} />
          <Form
            className="stack"
            validationBehavior="aria"
            validationErrors={
              reasonMissing ? { override_reason: t("rx.overrideReasonNeeded") } : {}
            }
            onSubmit={override}
            aria-label={t("rx.overrideTitle")}
          >
            <h4>{t("rx.overrideTitle")}</h4>
            <p className="meta">{t("rx.overrideHelp")}</p>
            <Field
              name="override_reason"
              label={t("rx.overrideReasonLabel")}
              value={reason}
              onChange={(v) => {
                setReason(v);
                setReasonMissing(false);
              }}
              multiline
              isRequired
            />
            <div className="actions">
              <Button type="submit" className="button danger" isDisabled={create.isPending}>
                {t("rx.overrideSubmit")}
              </Button>
              <Button className="button" onPress={() => create.reset()}>
                {t("rx.change")}
              </Button>
            </div>
          </Form>
        </section>
      )}
    </div>
  );
}

/** The encounter's prescribing section: what was written in it, and a new prescription. */
export function PrescribePanel({
  patientId,
  encounterId,
}: {
  patientId: string;
  encounterId: string;
}) {
  const { t } = useI18n();
  const list = useQuery(PharmacyService.method.listPatientPrescriptions, {
    patientId,
    page: { pageSize: 100 },
  });
  const mine = ofEncounter(list.data?.prescriptions ?? [], encounterId);
  return (
    <div className="rx">
      <h3>{t("rx.ofEncounter")}</h3>
      <ProblemMessage error={list.error} scope="rx.reason" />
      {list.isPending && <Loading />}
      {list.isSuccess && <EncounterPrescriptions prescriptions={mine} />}
      <NewPrescription patientId={patientId} encounterId={encounterId} />
    </div>
  );
}
