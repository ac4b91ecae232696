import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from hms.common.v1 import access_pb2 as _access_pb2
from hms.appointment.v1 import appointment_pb2 as _appointment_pb2
from hms.billing.v1 import billing_pb2 as _billing_pb2
from hms.common.v1 import paging_pb2 as _paging_pb2
from hms.notification.v1 import notification_pb2 as _notification_pb2
from hms.user.v1 import user_pb2 as _user_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConfigurationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFIGURATION_TYPE_UNSPECIFIED: _ClassVar[ConfigurationType]
    CONFIGURATION_TYPE_STRING: _ClassVar[ConfigurationType]
    CONFIGURATION_TYPE_TIME_ZONE: _ClassVar[ConfigurationType]
    CONFIGURATION_TYPE_INTEGER: _ClassVar[ConfigurationType]
    CONFIGURATION_TYPE_DURATION_LIST: _ClassVar[ConfigurationType]
CONFIGURATION_TYPE_UNSPECIFIED: ConfigurationType
CONFIGURATION_TYPE_STRING: ConfigurationType
CONFIGURATION_TYPE_TIME_ZONE: ConfigurationType
CONFIGURATION_TYPE_INTEGER: ConfigurationType
CONFIGURATION_TYPE_DURATION_LIST: ConfigurationType

class ConfigurationValue(_message.Message):
    __slots__ = ("text", "integer", "durations")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    INTEGER_FIELD_NUMBER: _ClassVar[int]
    DURATIONS_FIELD_NUMBER: _ClassVar[int]
    text: str
    integer: int
    durations: DurationList
    def __init__(self, text: _Optional[str] = ..., integer: _Optional[int] = ..., durations: _Optional[_Union[DurationList, _Mapping]] = ...) -> None: ...

class DurationList(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class SystemConfiguration(_message.Message):
    __slots__ = ("key", "description", "type", "value", "default_value", "minimum", "maximum", "max_items", "unit", "version", "update_time", "updated_by")
    KEY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_FIELD_NUMBER: _ClassVar[int]
    MAXIMUM_FIELD_NUMBER: _ClassVar[int]
    MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    key: str
    description: str
    type: ConfigurationType
    value: ConfigurationValue
    default_value: ConfigurationValue
    minimum: int
    maximum: int
    max_items: int
    unit: str
    version: int
    update_time: _timestamp_pb2.Timestamp
    updated_by: str
    def __init__(self, key: _Optional[str] = ..., description: _Optional[str] = ..., type: _Optional[_Union[ConfigurationType, str]] = ..., value: _Optional[_Union[ConfigurationValue, _Mapping]] = ..., default_value: _Optional[_Union[ConfigurationValue, _Mapping]] = ..., minimum: _Optional[int] = ..., maximum: _Optional[int] = ..., max_items: _Optional[int] = ..., unit: _Optional[str] = ..., version: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ...) -> None: ...

class ListSystemConfigurationsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSystemConfigurationsResponse(_message.Message):
    __slots__ = ("configurations",)
    CONFIGURATIONS_FIELD_NUMBER: _ClassVar[int]
    configurations: _containers.RepeatedCompositeFieldContainer[SystemConfiguration]
    def __init__(self, configurations: _Optional[_Iterable[_Union[SystemConfiguration, _Mapping]]] = ...) -> None: ...

class GetSystemConfigurationRequest(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class GetSystemConfigurationResponse(_message.Message):
    __slots__ = ("configuration",)
    CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    configuration: SystemConfiguration
    def __init__(self, configuration: _Optional[_Union[SystemConfiguration, _Mapping]] = ...) -> None: ...

class UpdateSystemConfigurationRequest(_message.Message):
    __slots__ = ("key", "value", "expected_version", "reason")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: ConfigurationValue
    expected_version: int
    reason: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ConfigurationValue, _Mapping]] = ..., expected_version: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class UpdateSystemConfigurationResponse(_message.Message):
    __slots__ = ("configuration", "change")
    CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    configuration: SystemConfiguration
    change: ConfigurationChange
    def __init__(self, configuration: _Optional[_Union[SystemConfiguration, _Mapping]] = ..., change: _Optional[_Union[ConfigurationChange, _Mapping]] = ...) -> None: ...

class ConfigurationChange(_message.Message):
    __slots__ = ("revision", "key", "old_value", "new_value", "version", "actor_id", "actor_role", "client_address", "change_time", "reason")
    REVISION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    OLD_VALUE_FIELD_NUMBER: _ClassVar[int]
    NEW_VALUE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ROLE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    revision: int
    key: str
    old_value: ConfigurationValue
    new_value: ConfigurationValue
    version: int
    actor_id: str
    actor_role: str
    client_address: str
    change_time: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, revision: _Optional[int] = ..., key: _Optional[str] = ..., old_value: _Optional[_Union[ConfigurationValue, _Mapping]] = ..., new_value: _Optional[_Union[ConfigurationValue, _Mapping]] = ..., version: _Optional[int] = ..., actor_id: _Optional[str] = ..., actor_role: _Optional[str] = ..., client_address: _Optional[str] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class ListSystemConfigurationChangesRequest(_message.Message):
    __slots__ = ("key", "page")
    KEY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    key: str
    page: _paging_pb2.PageRequest
    def __init__(self, key: _Optional[str] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListSystemConfigurationChangesResponse(_message.Message):
    __slots__ = ("changes", "page")
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[ConfigurationChange]
    page: _paging_pb2.PageResponse
    def __init__(self, changes: _Optional[_Iterable[_Union[ConfigurationChange, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class WatchConfigurationRequest(_message.Message):
    __slots__ = ("keys", "after_revision")
    KEYS_FIELD_NUMBER: _ClassVar[int]
    AFTER_REVISION_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedScalarFieldContainer[str]
    after_revision: int
    def __init__(self, keys: _Optional[_Iterable[str]] = ..., after_revision: _Optional[int] = ...) -> None: ...

class WatchConfigurationResponse(_message.Message):
    __slots__ = ("configurations", "revision", "snapshot")
    CONFIGURATIONS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    configurations: _containers.RepeatedCompositeFieldContainer[SystemConfiguration]
    revision: int
    snapshot: bool
    def __init__(self, configurations: _Optional[_Iterable[_Union[SystemConfiguration, _Mapping]]] = ..., revision: _Optional[int] = ..., snapshot: _Optional[bool] = ...) -> None: ...

class AdminAction(_message.Message):
    __slots__ = ("id", "actor_id", "actor_role", "action", "target_type", "target_id", "action_time", "client_address", "before", "after")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ROLE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TARGET_TYPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_TIME_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    id: str
    actor_id: str
    actor_role: str
    action: str
    target_type: str
    target_id: str
    action_time: _timestamp_pb2.Timestamp
    client_address: str
    before: str
    after: str
    def __init__(self, id: _Optional[str] = ..., actor_id: _Optional[str] = ..., actor_role: _Optional[str] = ..., action: _Optional[str] = ..., target_type: _Optional[str] = ..., target_id: _Optional[str] = ..., action_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., client_address: _Optional[str] = ..., before: _Optional[str] = ..., after: _Optional[str] = ...) -> None: ...

class AuditLogEntry(_message.Message):
    __slots__ = ("sequence", "id", "service", "actor_id", "actor_role", "action", "target_type", "target_id", "action_time", "record_time", "client_address", "before", "after", "previous_hash", "hash")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ROLE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TARGET_TYPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_TIME_FIELD_NUMBER: _ClassVar[int]
    RECORD_TIME_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_HASH_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    id: str
    service: str
    actor_id: str
    actor_role: str
    action: str
    target_type: str
    target_id: str
    action_time: _timestamp_pb2.Timestamp
    record_time: _timestamp_pb2.Timestamp
    client_address: str
    before: str
    after: str
    previous_hash: str
    hash: str
    def __init__(self, sequence: _Optional[int] = ..., id: _Optional[str] = ..., service: _Optional[str] = ..., actor_id: _Optional[str] = ..., actor_role: _Optional[str] = ..., action: _Optional[str] = ..., target_type: _Optional[str] = ..., target_id: _Optional[str] = ..., action_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., record_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., client_address: _Optional[str] = ..., before: _Optional[str] = ..., after: _Optional[str] = ..., previous_hash: _Optional[str] = ..., hash: _Optional[str] = ...) -> None: ...

class RecordAdminActionsRequest(_message.Message):
    __slots__ = ("actions",)
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    actions: _containers.RepeatedCompositeFieldContainer[AdminAction]
    def __init__(self, actions: _Optional[_Iterable[_Union[AdminAction, _Mapping]]] = ...) -> None: ...

class RecordAdminActionsResponse(_message.Message):
    __slots__ = ("recorded", "duplicates")
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    recorded: int
    duplicates: int
    def __init__(self, recorded: _Optional[int] = ..., duplicates: _Optional[int] = ...) -> None: ...

class ListAuditLogsRequest(_message.Message):
    __slots__ = ("actor_id", "action", "target_type", "target_id", "service", "start_time", "end_time", "page")
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TARGET_TYPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    actor_id: str
    action: str
    target_type: str
    target_id: str
    service: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    page: _paging_pb2.PageRequest
    def __init__(self, actor_id: _Optional[str] = ..., action: _Optional[str] = ..., target_type: _Optional[str] = ..., target_id: _Optional[str] = ..., service: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListAuditLogsResponse(_message.Message):
    __slots__ = ("entries", "page")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditLogEntry]
    page: _paging_pb2.PageResponse
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditLogEntry, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class VerifyAuditLogRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VerifyAuditLogResponse(_message.Message):
    __slots__ = ("intact", "checked", "first_broken_sequence", "problem")
    INTACT_FIELD_NUMBER: _ClassVar[int]
    CHECKED_FIELD_NUMBER: _ClassVar[int]
    FIRST_BROKEN_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    intact: bool
    checked: int
    first_broken_sequence: int
    problem: str
    def __init__(self, intact: _Optional[bool] = ..., checked: _Optional[int] = ..., first_broken_sequence: _Optional[int] = ..., problem: _Optional[str] = ...) -> None: ...

class GetDashboardSummaryRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TileStatus(_message.Message):
    __slots__ = ("as_of_time", "error_code", "error_message")
    AS_OF_TIME_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    as_of_time: _timestamp_pb2.Timestamp
    error_code: str
    error_message: str
    def __init__(self, as_of_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error_code: _Optional[str] = ..., error_message: _Optional[str] = ...) -> None: ...

class AppointmentsTile(_message.Message):
    __slots__ = ("status", "stats")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    status: TileStatus
    stats: _appointment_pb2.AppointmentStats
    def __init__(self, status: _Optional[_Union[TileStatus, _Mapping]] = ..., stats: _Optional[_Union[_appointment_pb2.AppointmentStats, _Mapping]] = ...) -> None: ...

class BillingTile(_message.Message):
    __slots__ = ("status", "stats")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    status: TileStatus
    stats: _billing_pb2.BillingStats
    def __init__(self, status: _Optional[_Union[TileStatus, _Mapping]] = ..., stats: _Optional[_Union[_billing_pb2.BillingStats, _Mapping]] = ...) -> None: ...

class NotificationsTile(_message.Message):
    __slots__ = ("status", "stats")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    status: TileStatus
    stats: _notification_pb2.NotificationStats
    def __init__(self, status: _Optional[_Union[TileStatus, _Mapping]] = ..., stats: _Optional[_Union[_notification_pb2.NotificationStats, _Mapping]] = ...) -> None: ...

class PatientsTile(_message.Message):
    __slots__ = ("status", "stats")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    status: TileStatus
    stats: _user_pb2.UserStats
    def __init__(self, status: _Optional[_Union[TileStatus, _Mapping]] = ..., stats: _Optional[_Union[_user_pb2.UserStats, _Mapping]] = ...) -> None: ...

class GetDashboardSummaryResponse(_message.Message):
    __slots__ = ("date", "time_zone", "appointments", "billing", "notifications", "patients")
    DATE_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENTS_FIELD_NUMBER: _ClassVar[int]
    BILLING_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    PATIENTS_FIELD_NUMBER: _ClassVar[int]
    date: _date_pb2.Date
    time_zone: str
    appointments: AppointmentsTile
    billing: BillingTile
    notifications: NotificationsTile
    patients: PatientsTile
    def __init__(self, date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., time_zone: _Optional[str] = ..., appointments: _Optional[_Union[AppointmentsTile, _Mapping]] = ..., billing: _Optional[_Union[BillingTile, _Mapping]] = ..., notifications: _Optional[_Union[NotificationsTile, _Mapping]] = ..., patients: _Optional[_Union[PatientsTile, _Mapping]] = ...) -> None: ...
