// Ordering lab tests from an encounter: tests found in the laboratory's catalog, a
// priority (routine or urgent) and notes, written as one order (LaboratoryService.
// CreateLabOrder for the encounter's patient). Below, the lab orders of this encounter
// (the patient's, filtered here) with each test's status and any results; the ordering
// doctor may cancel an order, or one test, that has no results yet, with a reason.
import { useState } from "react";
import { Button, Form } from "react-aria-components";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import {
  LaboratoryService,
  LabOrderStatus,
  Priority,
  type LabOrder,
  type LabTest,
} from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../format";
import { useClinicZone } from "../../format/zone";
import { Field, type FormSubmit } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { useSession } from "../../api/SessionContext";
import { LabTestSearch } from "../../laboratory/LabTestSearch";
import {
  CancelLab,
  ReportButton,
  LabStatusBadge,
  PriorityBadge,
  ResultsTable,
  useRefreshLab,
} from "../../laboratory/parts";
import { canCancelItem, labStatusLabel, ofEncounter } from "../../laboratory/lab";

function EncounterOrders({ orders }: { orders: LabOrder[] }) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const session = useSession();
  const me = session.status === "signed-in" ? session.session.user?.id : undefined;
  if (orders.length === 0) return <p>{t("lab.noneYet")}</p>;
  return (
    <ul className="lab-list" aria-label={t("lab.ofEncounter")}>
      {orders.map((o) => {
        const cancellable = o.doctorId === me && o.items.filter(canCancelItem).length;
        return (
          <li key={o.orderId} data-lab-order={o.orderId}>
            <div className="rx-head">
              <span>
                {o.createTime &&
                  t("lab.orderedAt", { time: formatDateTime(o.createTime, zone, lang) })}{" "}
                <PriorityBadge priority={o.priority} />
              </span>
              <LabStatusBadge status={o.status} />
            </div>
            {o.accessionNumber && (
              <p className="meta">{t("lab.accessionIs", { number: o.accessionNumber })}</p>
            )}
            {o.notes && <p className="meta">{t("lab.notesAre", { notes: o.notes })}</p>}
            {o.items.map((i) => (
              <div key={i.itemId} className="lab-item" data-lab-item={i.testCode}>
                <p>
                  <strong>{i.testName}</strong> ({i.sampleType}) —{" "}
                  <span>{t(labStatusLabel(i.status))}</span>
                </p>
                {i.cancelReason && (
                  <p className="meta">{t("lab.cancelledBecause", { reason: i.cancelReason })}</p>
                )}
                <ResultsTable item={i} caption={i.testName} bars />
                {o.doctorId === me && canCancelItem(i) && o.items.length > 1 && (
                  <CancelLab order={o} item={i} />
                )}
              </div>
            ))}
            {o.items.some((i) => i.status === LabOrderStatus.COMPLETED) && (
              <ReportButton order={o} />
            )}
            {cancellable && o.status !== LabOrderStatus.CANCELLED ? <CancelLab order={o} /> : null}
          </li>
        );
      })}
    </ul>
  );
}

function NewLabOrder({ patientId, encounterId }: { patientId: string; encounterId: string }) {
  const { t } = useI18n();
  const refresh = useRefreshLab();
  const create = useMutation(LaboratoryService.method.createLabOrder);
  const [tests, setTests] = useState<LabTest[]>([]);
  const [priority, setPriority] = useState<Priority>(Priority.ROUTINE);
  const [notes, setNotes] = useState("");
  const [notice, setNotice] = useState("");
  const [written, setWritten] = useState<LabOrder | undefined>();
  const add = (x: LabTest) => {
    create.reset();
    setWritten(undefined);
    if (tests.some((y) => y.testId === x.testId)) {
      setNotice(t("lab.alreadyAdded", { name: x.name }));
      return;
    }
    setNotice("");
    setTests((old) => [...old, x]);
  };
  const submit = (e: FormSubmit) => {
    e.preventDefault();
    create.mutate(
      {
        patientId,
        encounterId,
        priority,
        notes: notes.trim(),
        testIds: tests.map((x) => x.testId),
      },
      {
        onSuccess: (r) => {
          setWritten(r.order);
          setTests([]);
          setNotes("");
          setPriority(Priority.ROUTINE);
          void refresh();
        },
      },
    );
  };
  return (
    <div className="rx-new">
      <h3>{t("lab.new")}</h3>
      <LabTestSearch onChoose={add} />
      {notice && (
        <p className="note" role="status">
          {notice}
        </p>
      )}
      {written && (
        <p className="note" role="status">
          {t("lab.orderedNote", { count: written.items.length })}
        </p>
      )}
      {tests.length === 0 && !written && <p className="meta">{t("lab.new.empty")}</p>}
      {tests.length > 0 && (
        <Form className="stack" onSubmit={submit} aria-label={t("lab.new")}>
          <ul className="lab-tests" aria-label={t("lab.chosen")}>
            {tests.map((x) => (
              <li key={x.testId}>
                <strong>{x.name}</strong> <small>({x.code})</small>{" "}
                <Button
                  className="button quiet small"
                  onPress={() => setTests((old) => old.filter((y) => y.testId !== x.testId))}
                >
                  {t("lab.remove", { name: x.name })}
                </Button>
              </li>
            ))}
          </ul>
          <fieldset className="mode">
            <legend>{t("lab.priority")}</legend>
            {[Priority.ROUTINE, Priority.URGENT].map((p) => (
              <label key={p}>
                <input
                  type="radio"
                  name="priority"
                  checked={priority === p}
                  onChange={() => setPriority(p)}
                />
                {t(p === Priority.URGENT ? "lab.priority.URGENT" : "lab.priority.ROUTINE")}
              </label>
            ))}
          </fieldset>
          <Field
            name="notes"
            label={t("lab.notesLabel")}
            value={notes}
            onChange={setNotes}
            multiline
          />
          <ProblemMessage error={create.error} scope="lab.reason" />
          <Button type="submit" className="button primary" isDisabled={create.isPending}>
            {t("lab.submit")}
          </Button>
        </Form>
      )}
    </div>
  );
}

/** The encounter's laboratory section: what was ordered in it, and a new order. */
export function LabPanel({ patientId, encounterId }: { patientId: string; encounterId: string }) {
  const { t } = useI18n();
  const list = useQuery(LaboratoryService.method.listPatientLabResults, {
    patientId,
    page: { pageSize: 100 },
  });
  const mine = ofEncounter(list.data?.orders ?? [], encounterId);
  return (
    <div className="rx">
      <h3>{t("lab.ofEncounter")}</h3>
      <ProblemMessage error={list.error} scope="lab.reason" />
      {list.isPending && <Loading />}
      {list.isSuccess && <EncounterOrders orders={mine} />}
      <NewLabOrder patientId={patientId} encounterId={encounterId} />
    </div>
  );
}
