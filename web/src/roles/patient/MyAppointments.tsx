// The patient's appointments: upcoming ones to move or cancel (the service's notice and
// move-count policy may refuse, and says why), past ones to rate.
import { useState } from "react";
import { Link } from "react-router";
import { Button, Dialog, Heading, Modal, ModalOverlay } from "react-aria-components";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import {
  AppointmentService,
  AppointmentStatus,
  type Appointment,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { useI18n } from "../../i18n";
import { dayInZone, dayKey, formatDateTime, weekStart } from "../../format";
import { useClinicZone } from "../../format/zone";
import { knownName } from "../../api/names";
import { Field } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { isChangeable, isUpcoming, statusLabel, useServiceNames } from "./appointments";

function CancelDialog({ appointment, onClose }: { appointment: Appointment; onClose: () => void }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const [reason, setReason] = useState("");
  const cancel = useMutation(AppointmentService.method.cancelAppointment, {
    onSuccess: () =>
      queries.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: AppointmentService, cardinality: undefined }),
      }),
  });
  return (
    <ModalOverlay
      isOpen
      isDismissable
      onOpenChange={(open) => !open && onClose()}
      className="overlay"
    >
      <Modal className="modal">
        <Dialog className="dialog">
          <Heading slot="title">{t("appt.cancelTitle")}</Heading>
          {cancel.isSuccess ? (
            <>
              <p className="note" role="status">
                {t("appt.cancelled")}
              </p>
              <div className="actions">
                <Button className="button" onPress={onClose}>
                  {t("app.close")}
                </Button>
              </div>
            </>
          ) : (
            <>
              <Field
                label={t("appt.cancelReason")}
                value={reason}
                onChange={setReason}
                multiline
                name="reason"
                isRequired
              />
              <ProblemMessage error={cancel.error} />
              <div className="actions">
                <Button
                  className="button danger"
                  isDisabled={cancel.isPending || reason.trim() === ""}
                  onPress={() => cancel.mutate({ appointmentId: appointment.id, reason })}
                >
                  {t("appt.cancelConfirm")}
                </Button>
                <Button className="button" onPress={onClose}>
                  {t("app.back")}
                </Button>
              </div>
            </>
          )}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

function AppointmentCard({
  appointment: a,
  serviceName,
  onCancel,
}: {
  appointment: Appointment;
  serviceName: string;
  onCancel: () => void;
}) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const doctor = knownName(a.doctorId);
  const week = a.startTime ? dayKey(weekStart(dayInZone(a.startTime, zone))) : "";
  return (
    <li className={`card appt status-${AppointmentStatus[a.status] ?? ""}`}>
      <div className="appt-head">
        <strong>{a.startTime ? formatDateTime(a.startTime, zone, lang) : ""}</strong>
        <span className="status">{t(statusLabel(a.status))}</span>
      </div>
      <p>
        {serviceName}
        {doctor && <> · {t("appt.with", { doctor })}</>}
        {a.location && <> · {t("appt.at", { location: a.location })}</>}
      </p>
      {a.rescheduleCount > 0 && (
        <p className="meta">{t("appt.rescheduleLimit", { count: a.rescheduleCount })}</p>
      )}
      {isChangeable(a) && (
        <div className="actions">
          <Link
            className="button"
            to={`/book?service=${encodeURIComponent(a.serviceId)}&week=${week}&reschedule=${encodeURIComponent(a.id)}`}
          >
            {t("appt.reschedule")}
          </Link>
          <Button className="button danger" onPress={onCancel}>
            {t("appt.cancel")}
          </Button>
        </div>
      )}
      {a.status === AppointmentStatus.COMPLETED && (
        <div className="actions">
          <Link className="button" to={`/feedback?appointment_id=${encodeURIComponent(a.id)}`}>
            {t("appt.feedback")}
          </Link>
        </div>
      )}
    </li>
  );
}

export default function MyAppointments() {
  const { t } = useI18n();
  const list = useQuery(AppointmentService.method.listMyAppointments, { page: { pageSize: 200 } });
  const names = useServiceNames();
  const [cancelling, setCancelling] = useState<Appointment | undefined>();
  const now = new Date();
  const all = list.data?.appointments ?? [];
  const upcoming = all.filter((a) => isUpcoming(a, now));
  const past = all.filter((a) => !isUpcoming(a, now)).reverse();

  const section = (title: string, items: Appointment[]) =>
    items.length > 0 && (
      <section>
        <h2>{title}</h2>
        <ul className="appts">
          {items.map((a) => (
            <AppointmentCard
              key={a.id}
              appointment={a}
              serviceName={names.get(a.serviceId) ?? ""}
              onCancel={() => setCancelling(a)}
            />
          ))}
        </ul>
      </section>
    );

  return (
    <div>
      <div className="title-row">
        <h1>{t("appt.title")}</h1>
        <Link className="button primary" to="/book">
          {t("nav.book")}
        </Link>
      </div>
      <ProblemMessage error={list.error} />
      {list.isPending && <Loading />}
      {list.isSuccess && all.length === 0 && <p>{t("appt.none")}</p>}
      {section(t("appt.upcoming"), upcoming)}
      {section(t("appt.past"), past)}
      {cancelling && (
        <CancelDialog appointment={cancelling} onClose={() => setCancelling(undefined)} />
      )}
    </div>
  );
}
