import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.rpc import status_pb2 as _status_pb2
from hms.common.v1 import access_pb2 as _access_pb2
from hms.common.v1 import paging_pb2 as _paging_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NotificationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_TYPE_UNSPECIFIED: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_USER_REGISTERED: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_PASSWORD_RESET_REQUESTED: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_APPOINTMENT_REQUESTED_PATIENT: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_APPOINTMENT_REQUESTED_DOCTOR: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_APPOINTMENT_CONFIRMED_PATIENT: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_APPOINTMENT_RESCHEDULED_PATIENT: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_APPOINTMENT_RESCHEDULED_DOCTOR: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_APPOINTMENT_CANCELLED_PATIENT: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_APPOINTMENT_CANCELLED_DOCTOR: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_APPOINTMENT_REMINDER_PATIENT: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_APPOINTMENT_REMINDER_DOCTOR: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_FEEDBACK_REQUESTED: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_PRESCRIPTION_READY_FOR_PICKUP: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_PHARMACY_STOCK_LOW: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_LAB_RESULT_READY_DOCTOR: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_LAB_RESULT_READY_PATIENT: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_LAB_CRITICAL_VALUE: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_INVOICE_GENERATED: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_PAYMENT_SUCCESSFUL: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_INSURANCE_CLAIM_STATUS_UPDATED: _ClassVar[NotificationType]
    NOTIFICATION_TYPE_LAB_RESULT_AMENDED: _ClassVar[NotificationType]

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_EMAIL: _ClassVar[Channel]
    CHANNEL_SMS: _ClassVar[Channel]
    CHANNEL_IN_APP: _ClassVar[Channel]
    CHANNEL_PUSH: _ClassVar[Channel]

class DeliveryStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STATUS_UNSPECIFIED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_QUEUED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_SENDING: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_SENT: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DELIVERED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_FAILED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_SUPPRESSED: _ClassVar[DeliveryStatus]
NOTIFICATION_TYPE_UNSPECIFIED: NotificationType
NOTIFICATION_TYPE_USER_REGISTERED: NotificationType
NOTIFICATION_TYPE_PASSWORD_RESET_REQUESTED: NotificationType
NOTIFICATION_TYPE_APPOINTMENT_REQUESTED_PATIENT: NotificationType
NOTIFICATION_TYPE_APPOINTMENT_REQUESTED_DOCTOR: NotificationType
NOTIFICATION_TYPE_APPOINTMENT_CONFIRMED_PATIENT: NotificationType
NOTIFICATION_TYPE_APPOINTMENT_RESCHEDULED_PATIENT: NotificationType
NOTIFICATION_TYPE_APPOINTMENT_RESCHEDULED_DOCTOR: NotificationType
NOTIFICATION_TYPE_APPOINTMENT_CANCELLED_PATIENT: NotificationType
NOTIFICATION_TYPE_APPOINTMENT_CANCELLED_DOCTOR: NotificationType
NOTIFICATION_TYPE_APPOINTMENT_REMINDER_PATIENT: NotificationType
NOTIFICATION_TYPE_APPOINTMENT_REMINDER_DOCTOR: NotificationType
NOTIFICATION_TYPE_FEEDBACK_REQUESTED: NotificationType
NOTIFICATION_TYPE_PRESCRIPTION_READY_FOR_PICKUP: NotificationType
NOTIFICATION_TYPE_PHARMACY_STOCK_LOW: NotificationType
NOTIFICATION_TYPE_LAB_RESULT_READY_DOCTOR: NotificationType
NOTIFICATION_TYPE_LAB_RESULT_READY_PATIENT: NotificationType
NOTIFICATION_TYPE_LAB_CRITICAL_VALUE: NotificationType
NOTIFICATION_TYPE_INVOICE_GENERATED: NotificationType
NOTIFICATION_TYPE_PAYMENT_SUCCESSFUL: NotificationType
NOTIFICATION_TYPE_INSURANCE_CLAIM_STATUS_UPDATED: NotificationType
NOTIFICATION_TYPE_LAB_RESULT_AMENDED: NotificationType
CHANNEL_UNSPECIFIED: Channel
CHANNEL_EMAIL: Channel
CHANNEL_SMS: Channel
CHANNEL_IN_APP: Channel
CHANNEL_PUSH: Channel
DELIVERY_STATUS_UNSPECIFIED: DeliveryStatus
DELIVERY_STATUS_QUEUED: DeliveryStatus
DELIVERY_STATUS_SENDING: DeliveryStatus
DELIVERY_STATUS_SENT: DeliveryStatus
DELIVERY_STATUS_DELIVERED: DeliveryStatus
DELIVERY_STATUS_FAILED: DeliveryStatus
DELIVERY_STATUS_SUPPRESSED: DeliveryStatus

class SendRequest(_message.Message):
    __slots__ = ("type", "recipient_id", "channel_preferences", "data", "idempotency_key")
    class DataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    type: NotificationType
    recipient_id: str
    channel_preferences: _containers.RepeatedScalarFieldContainer[Channel]
    data: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, type: _Optional[_Union[NotificationType, str]] = ..., recipient_id: _Optional[str] = ..., channel_preferences: _Optional[_Iterable[_Union[Channel, str]]] = ..., data: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SendResponse(_message.Message):
    __slots__ = ("request_id", "deliveries")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    def __init__(self, request_id: _Optional[str] = ..., deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ...) -> None: ...

class SendBatchRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[SendRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[SendRequest, _Mapping]]] = ...) -> None: ...

class SendBatchResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SendBatchResult]
    def __init__(self, results: _Optional[_Iterable[_Union[SendBatchResult, _Mapping]]] = ...) -> None: ...

class SendBatchResult(_message.Message):
    __slots__ = ("sent", "error")
    SENT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    sent: SendResponse
    error: _status_pb2.Status
    def __init__(self, sent: _Optional[_Union[SendResponse, _Mapping]] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("id", "request_id", "type", "recipient_id", "channel", "status", "language", "subject", "body", "recipient_contact", "attempts", "error", "create_time", "sent_time", "read_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_CONTACT_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    SENT_TIME_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    request_id: str
    type: NotificationType
    recipient_id: str
    channel: Channel
    status: DeliveryStatus
    language: str
    subject: str
    body: str
    recipient_contact: str
    attempts: int
    error: str
    create_time: _timestamp_pb2.Timestamp
    sent_time: _timestamp_pb2.Timestamp
    read_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., request_id: _Optional[str] = ..., type: _Optional[_Union[NotificationType, str]] = ..., recipient_id: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., language: _Optional[str] = ..., subject: _Optional[str] = ..., body: _Optional[str] = ..., recipient_contact: _Optional[str] = ..., attempts: _Optional[int] = ..., error: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sent_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListNotificationsRequest(_message.Message):
    __slots__ = ("page", "unread_only")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    UNREAD_ONLY_FIELD_NUMBER: _ClassVar[int]
    page: _paging_pb2.PageRequest
    unread_only: bool
    def __init__(self, page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ..., unread_only: _Optional[bool] = ...) -> None: ...

class ListNotificationsResponse(_message.Message):
    __slots__ = ("notifications", "page")
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[Delivery]
    page: _paging_pb2.PageResponse
    def __init__(self, notifications: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetUnreadCountRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetUnreadCountResponse(_message.Message):
    __slots__ = ("unread",)
    UNREAD_FIELD_NUMBER: _ClassVar[int]
    unread: int
    def __init__(self, unread: _Optional[int] = ...) -> None: ...

class MarkReadRequest(_message.Message):
    __slots__ = ("notification_ids", "all")
    NOTIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    notification_ids: _containers.RepeatedScalarFieldContainer[str]
    all: bool
    def __init__(self, notification_ids: _Optional[_Iterable[str]] = ..., all: _Optional[bool] = ...) -> None: ...

class MarkReadResponse(_message.Message):
    __slots__ = ("marked",)
    MARKED_FIELD_NUMBER: _ClassVar[int]
    marked: int
    def __init__(self, marked: _Optional[int] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ("notification",)
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    notification: Delivery
    def __init__(self, notification: _Optional[_Union[Delivery, _Mapping]] = ...) -> None: ...

class PreferenceRule(_message.Message):
    __slots__ = ("type", "channel", "enabled")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    type: NotificationType
    channel: Channel
    enabled: bool
    def __init__(self, type: _Optional[_Union[NotificationType, str]] = ..., channel: _Optional[_Union[Channel, str]] = ..., enabled: _Optional[bool] = ...) -> None: ...

class Preferences(_message.Message):
    __slots__ = ("rules", "language")
    RULES_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[PreferenceRule]
    language: str
    def __init__(self, rules: _Optional[_Iterable[_Union[PreferenceRule, _Mapping]]] = ..., language: _Optional[str] = ...) -> None: ...

class GetPreferencesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPreferencesResponse(_message.Message):
    __slots__ = ("preferences",)
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    preferences: Preferences
    def __init__(self, preferences: _Optional[_Union[Preferences, _Mapping]] = ...) -> None: ...

class UpdatePreferencesRequest(_message.Message):
    __slots__ = ("preferences",)
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    preferences: Preferences
    def __init__(self, preferences: _Optional[_Union[Preferences, _Mapping]] = ...) -> None: ...

class UpdatePreferencesResponse(_message.Message):
    __slots__ = ("preferences",)
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    preferences: Preferences
    def __init__(self, preferences: _Optional[_Union[Preferences, _Mapping]] = ...) -> None: ...

class GetPushSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPushSettingsResponse(_message.Message):
    __slots__ = ("enabled", "vapid_public_key")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    VAPID_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    vapid_public_key: str
    def __init__(self, enabled: _Optional[bool] = ..., vapid_public_key: _Optional[str] = ...) -> None: ...

class RegisterPushSubscriptionRequest(_message.Message):
    __slots__ = ("endpoint", "p256dh", "auth", "device_label")
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    P256DH_FIELD_NUMBER: _ClassVar[int]
    AUTH_FIELD_NUMBER: _ClassVar[int]
    DEVICE_LABEL_FIELD_NUMBER: _ClassVar[int]
    endpoint: str
    p256dh: str
    auth: str
    device_label: str
    def __init__(self, endpoint: _Optional[str] = ..., p256dh: _Optional[str] = ..., auth: _Optional[str] = ..., device_label: _Optional[str] = ...) -> None: ...

class RegisterPushSubscriptionResponse(_message.Message):
    __slots__ = ("subscription_id",)
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    def __init__(self, subscription_id: _Optional[str] = ...) -> None: ...

class PushSubscription(_message.Message):
    __slots__ = ("id", "device_label", "endpoint_host", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    DEVICE_LABEL_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_HOST_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    device_label: str
    endpoint_host: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., device_label: _Optional[str] = ..., endpoint_host: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListPushSubscriptionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPushSubscriptionsResponse(_message.Message):
    __slots__ = ("subscriptions",)
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    subscriptions: _containers.RepeatedCompositeFieldContainer[PushSubscription]
    def __init__(self, subscriptions: _Optional[_Iterable[_Union[PushSubscription, _Mapping]]] = ...) -> None: ...

class DeletePushSubscriptionRequest(_message.Message):
    __slots__ = ("subscription_id",)
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    def __init__(self, subscription_id: _Optional[str] = ...) -> None: ...

class DeletePushSubscriptionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Template(_message.Message):
    __slots__ = ("id", "type", "channel", "language", "subject", "body_text", "body_html", "version", "built_in")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    BODY_TEXT_FIELD_NUMBER: _ClassVar[int]
    BODY_HTML_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    BUILT_IN_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: NotificationType
    channel: Channel
    language: str
    subject: str
    body_text: str
    body_html: str
    version: int
    built_in: bool
    def __init__(self, id: _Optional[str] = ..., type: _Optional[_Union[NotificationType, str]] = ..., channel: _Optional[_Union[Channel, str]] = ..., language: _Optional[str] = ..., subject: _Optional[str] = ..., body_text: _Optional[str] = ..., body_html: _Optional[str] = ..., version: _Optional[int] = ..., built_in: _Optional[bool] = ...) -> None: ...

class ListTemplatesRequest(_message.Message):
    __slots__ = ("page", "type", "channel", "language")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    page: _paging_pb2.PageRequest
    type: NotificationType
    channel: Channel
    language: str
    def __init__(self, page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ..., type: _Optional[_Union[NotificationType, str]] = ..., channel: _Optional[_Union[Channel, str]] = ..., language: _Optional[str] = ...) -> None: ...

class ListTemplatesResponse(_message.Message):
    __slots__ = ("templates", "page")
    TEMPLATES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    templates: _containers.RepeatedCompositeFieldContainer[Template]
    page: _paging_pb2.PageResponse
    def __init__(self, templates: _Optional[_Iterable[_Union[Template, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetTemplateRequest(_message.Message):
    __slots__ = ("template_id",)
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    template_id: str
    def __init__(self, template_id: _Optional[str] = ...) -> None: ...

class GetTemplateResponse(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class CreateTemplateRequest(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class CreateTemplateResponse(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class UpdateTemplateRequest(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class UpdateTemplateResponse(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class DeleteTemplateRequest(_message.Message):
    __slots__ = ("template_id",)
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    template_id: str
    def __init__(self, template_id: _Optional[str] = ...) -> None: ...

class DeleteTemplateResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ResetTemplateRequest(_message.Message):
    __slots__ = ("template_id",)
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    template_id: str
    def __init__(self, template_id: _Optional[str] = ...) -> None: ...

class ResetTemplateResponse(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: Template
    def __init__(self, template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class ListDeliveriesRequest(_message.Message):
    __slots__ = ("page", "recipient_id", "type", "channel", "status", "start_time", "end_time")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    page: _paging_pb2.PageRequest
    recipient_id: str
    type: NotificationType
    channel: Channel
    status: DeliveryStatus
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ..., recipient_id: _Optional[str] = ..., type: _Optional[_Union[NotificationType, str]] = ..., channel: _Optional[_Union[Channel, str]] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries", "page")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    page: _paging_pb2.PageResponse
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetNotificationStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NotificationStats(_message.Message):
    __slots__ = ("failed_last_day", "failed_last_week")
    FAILED_LAST_DAY_FIELD_NUMBER: _ClassVar[int]
    FAILED_LAST_WEEK_FIELD_NUMBER: _ClassVar[int]
    failed_last_day: int
    failed_last_week: int
    def __init__(self, failed_last_day: _Optional[int] = ..., failed_last_week: _Optional[int] = ...) -> None: ...

class GetNotificationStatsResponse(_message.Message):
    __slots__ = ("stats",)
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: NotificationStats
    def __init__(self, stats: _Optional[_Union[NotificationStats, _Mapping]] = ...) -> None: ...
