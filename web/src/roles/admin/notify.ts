// Labels of the notification service's enums for the template and delivery screens.
import {
  Channel,
  DeliveryStatus,
  NotificationType,
} from "@hms/sdk/hms/notification/v1/notification_pb";
import type { MessageKey } from "../../i18n";

export const TYPE_LABELS: Record<NotificationType, MessageKey> = {
  [NotificationType.UNSPECIFIED]: "admin.ntype.UNSPECIFIED",
  [NotificationType.USER_REGISTERED]: "admin.ntype.USER_REGISTERED",
  [NotificationType.PASSWORD_RESET_REQUESTED]: "admin.ntype.PASSWORD_RESET_REQUESTED",
  [NotificationType.APPOINTMENT_REQUESTED_PATIENT]: "admin.ntype.APPOINTMENT_REQUESTED_PATIENT",
  [NotificationType.APPOINTMENT_REQUESTED_DOCTOR]: "admin.ntype.APPOINTMENT_REQUESTED_DOCTOR",
  [NotificationType.APPOINTMENT_CONFIRMED_PATIENT]: "admin.ntype.APPOINTMENT_CONFIRMED_PATIENT",
  [NotificationType.APPOINTMENT_RESCHEDULED_PATIENT]: "admin.ntype.APPOINTMENT_RESCHEDULED_PATIENT",
  [NotificationType.APPOINTMENT_RESCHEDULED_DOCTOR]: "admin.ntype.APPOINTMENT_RESCHEDULED_DOCTOR",
  [NotificationType.APPOINTMENT_CANCELLED_PATIENT]: "admin.ntype.APPOINTMENT_CANCELLED_PATIENT",
  [NotificationType.APPOINTMENT_CANCELLED_DOCTOR]: "admin.ntype.APPOINTMENT_CANCELLED_DOCTOR",
  [NotificationType.APPOINTMENT_REMINDER_PATIENT]: "admin.ntype.APPOINTMENT_REMINDER_PATIENT",
  [NotificationType.APPOINTMENT_REMINDER_DOCTOR]: "admin.ntype.APPOINTMENT_REMINDER_DOCTOR",
  [NotificationType.FEEDBACK_REQUESTED]: "admin.ntype.FEEDBACK_REQUESTED",
  [NotificationType.PRESCRIPTION_READY_FOR_PICKUP]: "admin.ntype.PRESCRIPTION_READY_FOR_PICKUP",
  [NotificationType.PHARMACY_STOCK_LOW]: "admin.ntype.PHARMACY_STOCK_LOW",
  [NotificationType.LAB_RESULT_READY_DOCTOR]: "admin.ntype.LAB_RESULT_READY_DOCTOR",
  [NotificationType.LAB_RESULT_READY_PATIENT]: "admin.ntype.LAB_RESULT_READY_PATIENT",
  [NotificationType.LAB_CRITICAL_VALUE]: "admin.ntype.LAB_CRITICAL_VALUE",
  [NotificationType.LAB_RESULT_AMENDED]: "admin.ntype.LAB_RESULT_AMENDED",
  [NotificationType.INVOICE_GENERATED]: "admin.ntype.INVOICE_GENERATED",
  [NotificationType.PAYMENT_SUCCESSFUL]: "admin.ntype.PAYMENT_SUCCESSFUL",
  [NotificationType.INSURANCE_CLAIM_STATUS_UPDATED]: "admin.ntype.INSURANCE_CLAIM_STATUS_UPDATED",
};

export const CHANNEL_LABELS: Record<Channel, MessageKey> = {
  [Channel.UNSPECIFIED]: "admin.channel.UNSPECIFIED",
  [Channel.EMAIL]: "profile.channel.EMAIL",
  [Channel.SMS]: "profile.channel.SMS",
  [Channel.IN_APP]: "profile.channel.IN_APP",
  [Channel.PUSH]: "profile.channel.PUSH",
};

export const STATUS_LABELS: Record<DeliveryStatus, MessageKey> = {
  [DeliveryStatus.UNSPECIFIED]: "admin.dstatus.UNSPECIFIED",
  [DeliveryStatus.QUEUED]: "admin.dstatus.QUEUED",
  [DeliveryStatus.SENDING]: "admin.dstatus.SENDING",
  [DeliveryStatus.SENT]: "admin.dstatus.SENT",
  [DeliveryStatus.DELIVERED]: "admin.dstatus.DELIVERED",
  [DeliveryStatus.FAILED]: "admin.dstatus.FAILED",
  [DeliveryStatus.SUPPRESSED]: "admin.dstatus.SUPPRESSED",
};

/** Options of a filter select: "any" first, then each value but the unspecified one. */
export function enumOptions<E extends number>(
  labels: Record<E, MessageKey>,
  t: (key: MessageKey) => string,
  any: string,
): { value: string; label: string }[] {
  return [
    { value: "0", label: any },
    ...Object.entries<MessageKey>(labels)
      .filter(([value]) => value !== "0")
      .map(([value, key]) => ({ value, label: t(key) })),
  ];
}
