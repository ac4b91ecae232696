// Notifications on this device (Web Push): turned on only when the person presses the button
// and allows it in the browser's own prompt, turned off again here, and the list of every
// device that gets them, each removable.
import { useEffect, useState } from "react";
import { Button } from "react-aria-components";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { NotificationService } from "@hms/sdk/hms/notification/v1/notification_pb";
import { useI18n } from "../i18n";
import { formatDateTime } from "../format";
import { useClinicZone } from "../format/zone";
import { ProblemMessage } from "../components/Problem";
import {
  PushNotAllowed,
  currentSubscription,
  deviceLabel,
  pushAvailability,
  saveSubscriptionId,
  savedSubscriptionId,
  subscribe,
  unsubscribe,
  type BrowserSubscription,
} from "./push";

export function PushDevices() {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const queries = useQueryClient();
  const settings = useQuery(NotificationService.method.getPushSettings, {});
  const devices = useQuery(NotificationService.method.listPushSubscriptions, {});
  const refreshList = () =>
    queries.invalidateQueries({
      queryKey: createConnectQueryKey({
        schema: NotificationService.method.listPushSubscriptions,
        cardinality: undefined,
      }),
    });
  const register = useMutation(NotificationService.method.registerPushSubscription, {
    onSuccess: (answer) => {
      saveSubscriptionId(answer.subscriptionId);
      void refreshList();
    },
  });
  const remove = useMutation(NotificationService.method.deletePushSubscription, {
    onSettled: refreshList,
  });
  const [availability, setAvailability] = useState(pushAvailability);
  const [here, setHere] = useState<BrowserSubscription | undefined>();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const enabled = settings.data?.enabled ?? false;
  const label = deviceLabel(navigator.userAgent);
  const { mutate: tell } = register;

  useEffect(() => {
    currentSubscription().then(setHere, () => setHere(undefined));
  }, []);
  // A subscribed browser tells the service again: the service may have dropped it, or the
  // browser may have been someone else's account until now.
  useEffect(() => {
    if (here && enabled) tell({ ...here, deviceLabel: label });
  }, [here, enabled, label, tell]);

  const turnOn = async () => {
    setBusy(true);
    setFailed(false);
    try {
      setHere(await subscribe(settings.data?.vapidPublicKey ?? ""));
    } catch (error) {
      if (!(error instanceof PushNotAllowed)) setFailed(true);
    } finally {
      setAvailability(pushAvailability());
      setBusy(false);
    }
  };

  const turnOff = async () => {
    setBusy(true);
    const id = savedSubscriptionId();
    try {
      await unsubscribe();
      if (id) await remove.mutateAsync({ subscriptionId: id });
    } catch {
      // Unsubscribed at the push service: the next push to it is refused and the service
      // drops the subscription itself.
    } finally {
      saveSubscriptionId(undefined);
      setHere(undefined);
      setBusy(false);
    }
  };

  const state =
    availability === "unsupported"
      ? t("push.unsupported")
      : settings.isSuccess && !enabled
        ? t("push.serverOff")
        : availability === "blocked"
          ? t("push.blocked")
          : undefined;
  const list = devices.data?.subscriptions ?? [];
  return (
    <div className="stack">
      <h2>{t("push.title")}</h2>
      <p>{t("push.help")}</p>
      <ProblemMessage error={settings.error ?? register.error ?? remove.error} />
      {state ? (
        <p className="meta">{state}</p>
      ) : here ? (
        <>
          <p className="note" role="status">
            {t("push.onHere")}
          </p>
          <Button className="button" isDisabled={busy} onPress={() => void turnOff()}>
            {t("push.turnOff")}
          </Button>
        </>
      ) : (
        <Button
          className="button primary"
          isDisabled={busy || !settings.isSuccess}
          onPress={() => void turnOn()}
        >
          {t("push.turnOn")}
        </Button>
      )}
      {failed && (
        <p className="problem" role="alert">
          {t("push.failed")}
        </p>
      )}
      {list.length > 0 && (
        <>
          <h3>{t("push.devices")}</h3>
          <ul className="devices">
            {list.map((d) => (
              <li key={d.id}>
                <strong>{d.deviceLabel || t("push.unnamed")}</strong>{" "}
                <span className="meta">
                  · {d.endpointHost}
                  {d.createTime && <> · {formatDateTime(d.createTime, zone, lang)}</>}
                </span>{" "}
                <Button
                  className="button small"
                  aria-label={t("push.removeDevice", { device: d.deviceLabel || d.endpointHost })}
                  isDisabled={remove.isPending}
                  onPress={() => remove.mutate({ subscriptionId: d.id })}
                >
                  {t("push.remove")}
                </Button>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
