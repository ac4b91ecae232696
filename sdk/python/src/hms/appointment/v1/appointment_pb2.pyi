import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from google.type import dayofweek_pb2 as _dayofweek_pb2
from google.type import timeofday_pb2 as _timeofday_pb2
from hms.common.v1 import access_pb2 as _access_pb2
from hms.common.v1 import money_pb2 as _money_pb2
from hms.common.v1 import paging_pb2 as _paging_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ServiceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SERVICE_KIND_UNSPECIFIED: _ClassVar[ServiceKind]
    SERVICE_KIND_GENERAL_CHECKUP: _ClassVar[ServiceKind]
    SERVICE_KIND_SPECIALIST_CONSULTATION: _ClassVar[ServiceKind]
    SERVICE_KIND_LAB_TEST: _ClassVar[ServiceKind]
    SERVICE_KIND_FOLLOW_UP: _ClassVar[ServiceKind]
    SERVICE_KIND_VACCINATION: _ClassVar[ServiceKind]
    SERVICE_KIND_OTHER: _ClassVar[ServiceKind]

class ExceptionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXCEPTION_KIND_UNSPECIFIED: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_UNAVAILABLE: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_EXTRA_HOURS: _ClassVar[ExceptionKind]

class CalendarView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CALENDAR_VIEW_UNSPECIFIED: _ClassVar[CalendarView]
    CALENDAR_VIEW_SLOTS: _ClassVar[CalendarView]
    CALENDAR_VIEW_STARTS: _ClassVar[CalendarView]

class AppointmentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPOINTMENT_STATUS_UNSPECIFIED: _ClassVar[AppointmentStatus]
    APPOINTMENT_STATUS_PENDING: _ClassVar[AppointmentStatus]
    APPOINTMENT_STATUS_CONFIRMED: _ClassVar[AppointmentStatus]
    APPOINTMENT_STATUS_CHECKED_IN: _ClassVar[AppointmentStatus]
    APPOINTMENT_STATUS_COMPLETED: _ClassVar[AppointmentStatus]
    APPOINTMENT_STATUS_CANCELLED_PATIENT: _ClassVar[AppointmentStatus]
    APPOINTMENT_STATUS_CANCELLED_DOCTOR: _ClassVar[AppointmentStatus]
    APPOINTMENT_STATUS_NO_SHOW: _ClassVar[AppointmentStatus]

class ReportPeriod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_PERIOD_UNSPECIFIED: _ClassVar[ReportPeriod]
    REPORT_PERIOD_DAY: _ClassVar[ReportPeriod]
    REPORT_PERIOD_WEEK: _ClassVar[ReportPeriod]
    REPORT_PERIOD_MONTH: _ClassVar[ReportPeriod]
SERVICE_KIND_UNSPECIFIED: ServiceKind
SERVICE_KIND_GENERAL_CHECKUP: ServiceKind
SERVICE_KIND_SPECIALIST_CONSULTATION: ServiceKind
SERVICE_KIND_LAB_TEST: ServiceKind
SERVICE_KIND_FOLLOW_UP: ServiceKind
SERVICE_KIND_VACCINATION: ServiceKind
SERVICE_KIND_OTHER: ServiceKind
EXCEPTION_KIND_UNSPECIFIED: ExceptionKind
EXCEPTION_KIND_UNAVAILABLE: ExceptionKind
EXCEPTION_KIND_EXTRA_HOURS: ExceptionKind
CALENDAR_VIEW_UNSPECIFIED: CalendarView
CALENDAR_VIEW_SLOTS: CalendarView
CALENDAR_VIEW_STARTS: CalendarView
APPOINTMENT_STATUS_UNSPECIFIED: AppointmentStatus
APPOINTMENT_STATUS_PENDING: AppointmentStatus
APPOINTMENT_STATUS_CONFIRMED: AppointmentStatus
APPOINTMENT_STATUS_CHECKED_IN: AppointmentStatus
APPOINTMENT_STATUS_COMPLETED: AppointmentStatus
APPOINTMENT_STATUS_CANCELLED_PATIENT: AppointmentStatus
APPOINTMENT_STATUS_CANCELLED_DOCTOR: AppointmentStatus
APPOINTMENT_STATUS_NO_SHOW: AppointmentStatus
REPORT_PERIOD_UNSPECIFIED: ReportPeriod
REPORT_PERIOD_DAY: ReportPeriod
REPORT_PERIOD_WEEK: ReportPeriod
REPORT_PERIOD_MONTH: ReportPeriod

class MedicalService(_message.Message):
    __slots__ = ("id", "code", "name", "description", "kind", "duration_minutes", "price", "specialties", "auto_confirm", "active", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    SPECIALTIES_FIELD_NUMBER: _ClassVar[int]
    AUTO_CONFIRM_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    code: str
    name: str
    description: str
    kind: ServiceKind
    duration_minutes: int
    price: _money_pb2.Money
    specialties: _containers.RepeatedScalarFieldContainer[str]
    auto_confirm: bool
    active: bool
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., code: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., kind: _Optional[_Union[ServiceKind, str]] = ..., duration_minutes: _Optional[int] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., specialties: _Optional[_Iterable[str]] = ..., auto_confirm: _Optional[bool] = ..., active: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MedicalServiceInput(_message.Message):
    __slots__ = ("name", "description", "kind", "duration_minutes", "price", "specialties", "auto_confirm", "active")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    SPECIALTIES_FIELD_NUMBER: _ClassVar[int]
    AUTO_CONFIRM_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    kind: ServiceKind
    duration_minutes: int
    price: _money_pb2.Money
    specialties: _containers.RepeatedScalarFieldContainer[str]
    auto_confirm: bool
    active: bool
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., kind: _Optional[_Union[ServiceKind, str]] = ..., duration_minutes: _Optional[int] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., specialties: _Optional[_Iterable[str]] = ..., auto_confirm: _Optional[bool] = ..., active: _Optional[bool] = ...) -> None: ...

class CreateMedicalServiceRequest(_message.Message):
    __slots__ = ("code", "service")
    CODE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    code: str
    service: MedicalServiceInput
    def __init__(self, code: _Optional[str] = ..., service: _Optional[_Union[MedicalServiceInput, _Mapping]] = ...) -> None: ...

class CreateMedicalServiceResponse(_message.Message):
    __slots__ = ("service",)
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    service: MedicalService
    def __init__(self, service: _Optional[_Union[MedicalService, _Mapping]] = ...) -> None: ...

class UpdateMedicalServiceRequest(_message.Message):
    __slots__ = ("service_id", "service")
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    service: MedicalServiceInput
    def __init__(self, service_id: _Optional[str] = ..., service: _Optional[_Union[MedicalServiceInput, _Mapping]] = ...) -> None: ...

class UpdateMedicalServiceResponse(_message.Message):
    __slots__ = ("service",)
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    service: MedicalService
    def __init__(self, service: _Optional[_Union[MedicalService, _Mapping]] = ...) -> None: ...

class DeleteMedicalServiceRequest(_message.Message):
    __slots__ = ("service_id",)
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    def __init__(self, service_id: _Optional[str] = ...) -> None: ...

class DeleteMedicalServiceResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetMedicalServiceRequest(_message.Message):
    __slots__ = ("service_id",)
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    def __init__(self, service_id: _Optional[str] = ...) -> None: ...

class GetMedicalServiceResponse(_message.Message):
    __slots__ = ("service",)
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    service: MedicalService
    def __init__(self, service: _Optional[_Union[MedicalService, _Mapping]] = ...) -> None: ...

class ListMedicalServicesRequest(_message.Message):
    __slots__ = ("page", "include_inactive", "kind")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    page: _paging_pb2.PageRequest
    include_inactive: bool
    kind: ServiceKind
    def __init__(self, page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ..., include_inactive: _Optional[bool] = ..., kind: _Optional[_Union[ServiceKind, str]] = ...) -> None: ...

class ListMedicalServicesResponse(_message.Message):
    __slots__ = ("services", "page")
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    services: _containers.RepeatedCompositeFieldContainer[MedicalService]
    page: _paging_pb2.PageResponse
    def __init__(self, services: _Optional[_Iterable[_Union[MedicalService, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class WeeklyBlock(_message.Message):
    __slots__ = ("day_of_week", "start_time", "end_time", "valid_from", "valid_to")
    DAY_OF_WEEK_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    day_of_week: _dayofweek_pb2.DayOfWeek
    start_time: _timeofday_pb2.TimeOfDay
    end_time: _timeofday_pb2.TimeOfDay
    valid_from: _date_pb2.Date
    valid_to: _date_pb2.Date
    def __init__(self, day_of_week: _Optional[_Union[_dayofweek_pb2.DayOfWeek, str]] = ..., start_time: _Optional[_Union[_timeofday_pb2.TimeOfDay, _Mapping]] = ..., end_time: _Optional[_Union[_timeofday_pb2.TimeOfDay, _Mapping]] = ..., valid_from: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., valid_to: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class ScheduleException(_message.Message):
    __slots__ = ("id", "kind", "start_date", "end_date", "start_time", "end_time", "note")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: ExceptionKind
    start_date: _date_pb2.Date
    end_date: _date_pb2.Date
    start_time: _timeofday_pb2.TimeOfDay
    end_time: _timeofday_pb2.TimeOfDay
    note: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[ExceptionKind, str]] = ..., start_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., start_time: _Optional[_Union[_timeofday_pb2.TimeOfDay, _Mapping]] = ..., end_time: _Optional[_Union[_timeofday_pb2.TimeOfDay, _Mapping]] = ..., note: _Optional[str] = ...) -> None: ...

class DoctorSchedule(_message.Message):
    __slots__ = ("doctor_id", "specialty", "location", "blocks", "exceptions", "time_zone")
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SPECIALTY_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    BLOCKS_FIELD_NUMBER: _ClassVar[int]
    EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    doctor_id: str
    specialty: str
    location: str
    blocks: _containers.RepeatedCompositeFieldContainer[WeeklyBlock]
    exceptions: _containers.RepeatedCompositeFieldContainer[ScheduleException]
    time_zone: str
    def __init__(self, doctor_id: _Optional[str] = ..., specialty: _Optional[str] = ..., location: _Optional[str] = ..., blocks: _Optional[_Iterable[_Union[WeeklyBlock, _Mapping]]] = ..., exceptions: _Optional[_Iterable[_Union[ScheduleException, _Mapping]]] = ..., time_zone: _Optional[str] = ...) -> None: ...

class SetDoctorScheduleRequest(_message.Message):
    __slots__ = ("doctor_id", "specialty", "location", "blocks")
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SPECIALTY_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    BLOCKS_FIELD_NUMBER: _ClassVar[int]
    doctor_id: str
    specialty: str
    location: str
    blocks: _containers.RepeatedCompositeFieldContainer[WeeklyBlock]
    def __init__(self, doctor_id: _Optional[str] = ..., specialty: _Optional[str] = ..., location: _Optional[str] = ..., blocks: _Optional[_Iterable[_Union[WeeklyBlock, _Mapping]]] = ...) -> None: ...

class SetDoctorScheduleResponse(_message.Message):
    __slots__ = ("schedule",)
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    schedule: DoctorSchedule
    def __init__(self, schedule: _Optional[_Union[DoctorSchedule, _Mapping]] = ...) -> None: ...

class GetDoctorScheduleRequest(_message.Message):
    __slots__ = ("doctor_id",)
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    doctor_id: str
    def __init__(self, doctor_id: _Optional[str] = ...) -> None: ...

class GetDoctorScheduleResponse(_message.Message):
    __slots__ = ("schedule",)
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    schedule: DoctorSchedule
    def __init__(self, schedule: _Optional[_Union[DoctorSchedule, _Mapping]] = ...) -> None: ...

class AddScheduleExceptionRequest(_message.Message):
    __slots__ = ("doctor_id", "exception")
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_FIELD_NUMBER: _ClassVar[int]
    doctor_id: str
    exception: ScheduleException
    def __init__(self, doctor_id: _Optional[str] = ..., exception: _Optional[_Union[ScheduleException, _Mapping]] = ...) -> None: ...

class AddScheduleExceptionResponse(_message.Message):
    __slots__ = ("exception",)
    EXCEPTION_FIELD_NUMBER: _ClassVar[int]
    exception: ScheduleException
    def __init__(self, exception: _Optional[_Union[ScheduleException, _Mapping]] = ...) -> None: ...

class DeleteScheduleExceptionRequest(_message.Message):
    __slots__ = ("doctor_id", "exception_id")
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_ID_FIELD_NUMBER: _ClassVar[int]
    doctor_id: str
    exception_id: str
    def __init__(self, doctor_id: _Optional[str] = ..., exception_id: _Optional[str] = ...) -> None: ...

class DeleteScheduleExceptionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Slot(_message.Message):
    __slots__ = ("doctor_id", "start_time", "end_time")
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    doctor_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, doctor_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetDoctorAvailabilityRequest(_message.Message):
    __slots__ = ("doctor_id", "service_id", "start_date", "end_date")
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    doctor_id: str
    service_id: str
    start_date: _date_pb2.Date
    end_date: _date_pb2.Date
    def __init__(self, doctor_id: _Optional[str] = ..., service_id: _Optional[str] = ..., start_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class GetDoctorAvailabilityResponse(_message.Message):
    __slots__ = ("slots", "time_zone")
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    slots: _containers.RepeatedCompositeFieldContainer[Slot]
    time_zone: str
    def __init__(self, slots: _Optional[_Iterable[_Union[Slot, _Mapping]]] = ..., time_zone: _Optional[str] = ...) -> None: ...

class GetServiceCalendarRequest(_message.Message):
    __slots__ = ("service_id", "start_date", "end_date", "view")
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    start_date: _date_pb2.Date
    end_date: _date_pb2.Date
    view: CalendarView
    def __init__(self, service_id: _Optional[str] = ..., start_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., view: _Optional[_Union[CalendarView, str]] = ...) -> None: ...

class DoctorDay(_message.Message):
    __slots__ = ("doctor_id", "location", "slots", "doctor_name", "slot_starts")
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_NAME_FIELD_NUMBER: _ClassVar[int]
    SLOT_STARTS_FIELD_NUMBER: _ClassVar[int]
    doctor_id: str
    location: str
    slots: _containers.RepeatedCompositeFieldContainer[Slot]
    doctor_name: str
    slot_starts: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    def __init__(self, doctor_id: _Optional[str] = ..., location: _Optional[str] = ..., slots: _Optional[_Iterable[_Union[Slot, _Mapping]]] = ..., doctor_name: _Optional[str] = ..., slot_starts: _Optional[_Iterable[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]]] = ...) -> None: ...

class CalendarDay(_message.Message):
    __slots__ = ("date", "doctors")
    DATE_FIELD_NUMBER: _ClassVar[int]
    DOCTORS_FIELD_NUMBER: _ClassVar[int]
    date: _date_pb2.Date
    doctors: _containers.RepeatedCompositeFieldContainer[DoctorDay]
    def __init__(self, date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., doctors: _Optional[_Iterable[_Union[DoctorDay, _Mapping]]] = ...) -> None: ...

class GetServiceCalendarResponse(_message.Message):
    __slots__ = ("days", "time_zone", "duration_minutes")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedCompositeFieldContainer[CalendarDay]
    time_zone: str
    duration_minutes: int
    def __init__(self, days: _Optional[_Iterable[_Union[CalendarDay, _Mapping]]] = ..., time_zone: _Optional[str] = ..., duration_minutes: _Optional[int] = ...) -> None: ...

class Appointment(_message.Message):
    __slots__ = ("id", "patient_id", "doctor_id", "service_id", "start_time", "end_time", "status", "reason", "doctor_notes", "cancellation_reason", "cancelled_by", "reschedule_count", "location", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_NOTES_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_REASON_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_BY_FIELD_NUMBER: _ClassVar[int]
    RESCHEDULE_COUNT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    patient_id: str
    doctor_id: str
    service_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    status: AppointmentStatus
    reason: str
    doctor_notes: str
    cancellation_reason: str
    cancelled_by: str
    reschedule_count: int
    location: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., patient_id: _Optional[str] = ..., doctor_id: _Optional[str] = ..., service_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[AppointmentStatus, str]] = ..., reason: _Optional[str] = ..., doctor_notes: _Optional[str] = ..., cancellation_reason: _Optional[str] = ..., cancelled_by: _Optional[str] = ..., reschedule_count: _Optional[int] = ..., location: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SlotAlternatives(_message.Message):
    __slots__ = ("same_doctor", "other_doctors")
    SAME_DOCTOR_FIELD_NUMBER: _ClassVar[int]
    OTHER_DOCTORS_FIELD_NUMBER: _ClassVar[int]
    same_doctor: _containers.RepeatedCompositeFieldContainer[Slot]
    other_doctors: _containers.RepeatedCompositeFieldContainer[Slot]
    def __init__(self, same_doctor: _Optional[_Iterable[_Union[Slot, _Mapping]]] = ..., other_doctors: _Optional[_Iterable[_Union[Slot, _Mapping]]] = ...) -> None: ...

class BookAppointmentRequest(_message.Message):
    __slots__ = ("service_id", "doctor_id", "start_time", "reason", "patient_id")
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    doctor_id: str
    start_time: _timestamp_pb2.Timestamp
    reason: str
    patient_id: str
    def __init__(self, service_id: _Optional[str] = ..., doctor_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., patient_id: _Optional[str] = ...) -> None: ...

class BookAppointmentResponse(_message.Message):
    __slots__ = ("appointment",)
    APPOINTMENT_FIELD_NUMBER: _ClassVar[int]
    appointment: Appointment
    def __init__(self, appointment: _Optional[_Union[Appointment, _Mapping]] = ...) -> None: ...

class GetAppointmentRequest(_message.Message):
    __slots__ = ("appointment_id",)
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    def __init__(self, appointment_id: _Optional[str] = ...) -> None: ...

class GetAppointmentResponse(_message.Message):
    __slots__ = ("appointment",)
    APPOINTMENT_FIELD_NUMBER: _ClassVar[int]
    appointment: Appointment
    def __init__(self, appointment: _Optional[_Union[Appointment, _Mapping]] = ...) -> None: ...

class ListMyAppointmentsRequest(_message.Message):
    __slots__ = ("page", "statuses")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    page: _paging_pb2.PageRequest
    statuses: _containers.RepeatedScalarFieldContainer[AppointmentStatus]
    def __init__(self, page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ..., statuses: _Optional[_Iterable[_Union[AppointmentStatus, str]]] = ...) -> None: ...

class ListMyAppointmentsResponse(_message.Message):
    __slots__ = ("appointments", "page")
    APPOINTMENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    appointments: _containers.RepeatedCompositeFieldContainer[Appointment]
    page: _paging_pb2.PageResponse
    def __init__(self, appointments: _Optional[_Iterable[_Union[Appointment, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class ListPatientAppointmentsRequest(_message.Message):
    __slots__ = ("patient_id", "page", "statuses", "from_date", "to_date")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    page: _paging_pb2.PageRequest
    statuses: _containers.RepeatedScalarFieldContainer[AppointmentStatus]
    from_date: _date_pb2.Date
    to_date: _date_pb2.Date
    def __init__(self, patient_id: _Optional[str] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ..., statuses: _Optional[_Iterable[_Union[AppointmentStatus, str]]] = ..., from_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., to_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class ListPatientAppointmentsResponse(_message.Message):
    __slots__ = ("appointments", "page")
    APPOINTMENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    appointments: _containers.RepeatedCompositeFieldContainer[Appointment]
    page: _paging_pb2.PageResponse
    def __init__(self, appointments: _Optional[_Iterable[_Union[Appointment, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class ListDoctorAppointmentsRequest(_message.Message):
    __slots__ = ("doctor_id", "page", "statuses", "from_date", "to_date")
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    doctor_id: str
    page: _paging_pb2.PageRequest
    statuses: _containers.RepeatedScalarFieldContainer[AppointmentStatus]
    from_date: _date_pb2.Date
    to_date: _date_pb2.Date
    def __init__(self, doctor_id: _Optional[str] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ..., statuses: _Optional[_Iterable[_Union[AppointmentStatus, str]]] = ..., from_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., to_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class ListDoctorAppointmentsResponse(_message.Message):
    __slots__ = ("appointments", "page")
    APPOINTMENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    appointments: _containers.RepeatedCompositeFieldContainer[Appointment]
    page: _paging_pb2.PageResponse
    def __init__(self, appointments: _Optional[_Iterable[_Union[Appointment, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class UpdateAppointmentNotesRequest(_message.Message):
    __slots__ = ("appointment_id", "doctor_notes")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_NOTES_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    doctor_notes: str
    def __init__(self, appointment_id: _Optional[str] = ..., doctor_notes: _Optional[str] = ...) -> None: ...

class UpdateAppointmentNotesResponse(_message.Message):
    __slots__ = ("appointment",)
    APPOINTMENT_FIELD_NUMBER: _ClassVar[int]
    appointment: Appointment
    def __init__(self, appointment: _Optional[_Union[Appointment, _Mapping]] = ...) -> None: ...

class ConfirmAppointmentRequest(_message.Message):
    __slots__ = ("appointment_id",)
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    def __init__(self, appointment_id: _Optional[str] = ...) -> None: ...

class ConfirmAppointmentResponse(_message.Message):
    __slots__ = ("appointment",)
    APPOINTMENT_FIELD_NUMBER: _ClassVar[int]
    appointment: Appointment
    def __init__(self, appointment: _Optional[_Union[Appointment, _Mapping]] = ...) -> None: ...

class CheckInAppointmentRequest(_message.Message):
    __slots__ = ("appointment_id",)
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    def __init__(self, appointment_id: _Optional[str] = ...) -> None: ...

class CheckInAppointmentResponse(_message.Message):
    __slots__ = ("appointment",)
    APPOINTMENT_FIELD_NUMBER: _ClassVar[int]
    appointment: Appointment
    def __init__(self, appointment: _Optional[_Union[Appointment, _Mapping]] = ...) -> None: ...

class CompleteAppointmentRequest(_message.Message):
    __slots__ = ("appointment_id", "doctor_notes")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_NOTES_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    doctor_notes: str
    def __init__(self, appointment_id: _Optional[str] = ..., doctor_notes: _Optional[str] = ...) -> None: ...

class CompleteAppointmentResponse(_message.Message):
    __slots__ = ("appointment",)
    APPOINTMENT_FIELD_NUMBER: _ClassVar[int]
    appointment: Appointment
    def __init__(self, appointment: _Optional[_Union[Appointment, _Mapping]] = ...) -> None: ...

class MarkNoShowRequest(_message.Message):
    __slots__ = ("appointment_id",)
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    def __init__(self, appointment_id: _Optional[str] = ...) -> None: ...

class MarkNoShowResponse(_message.Message):
    __slots__ = ("appointment",)
    APPOINTMENT_FIELD_NUMBER: _ClassVar[int]
    appointment: Appointment
    def __init__(self, appointment: _Optional[_Union[Appointment, _Mapping]] = ...) -> None: ...

class CancelAppointmentRequest(_message.Message):
    __slots__ = ("appointment_id", "reason")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    reason: str
    def __init__(self, appointment_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelAppointmentResponse(_message.Message):
    __slots__ = ("appointment",)
    APPOINTMENT_FIELD_NUMBER: _ClassVar[int]
    appointment: Appointment
    def __init__(self, appointment: _Optional[_Union[Appointment, _Mapping]] = ...) -> None: ...

class RescheduleAppointmentRequest(_message.Message):
    __slots__ = ("appointment_id", "start_time", "doctor_id", "service_id")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    start_time: _timestamp_pb2.Timestamp
    doctor_id: str
    service_id: str
    def __init__(self, appointment_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., doctor_id: _Optional[str] = ..., service_id: _Optional[str] = ...) -> None: ...

class RescheduleAppointmentResponse(_message.Message):
    __slots__ = ("appointment",)
    APPOINTMENT_FIELD_NUMBER: _ClassVar[int]
    appointment: Appointment
    def __init__(self, appointment: _Optional[_Union[Appointment, _Mapping]] = ...) -> None: ...

class Feedback(_message.Message):
    __slots__ = ("appointment_id", "patient_id", "doctor_id", "rating", "comment", "create_time")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    patient_id: str
    doctor_id: str
    rating: int
    comment: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, appointment_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., doctor_id: _Optional[str] = ..., rating: _Optional[int] = ..., comment: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubmitFeedbackRequest(_message.Message):
    __slots__ = ("appointment_id", "rating", "comment")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    rating: int
    comment: str
    def __init__(self, appointment_id: _Optional[str] = ..., rating: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class SubmitFeedbackResponse(_message.Message):
    __slots__ = ("feedback",)
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    feedback: Feedback
    def __init__(self, feedback: _Optional[_Union[Feedback, _Mapping]] = ...) -> None: ...

class GetFeedbackRequest(_message.Message):
    __slots__ = ("appointment_id",)
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    def __init__(self, appointment_id: _Optional[str] = ...) -> None: ...

class GetFeedbackResponse(_message.Message):
    __slots__ = ("feedback",)
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    feedback: Feedback
    def __init__(self, feedback: _Optional[_Union[Feedback, _Mapping]] = ...) -> None: ...

class GetScheduleReportRequest(_message.Message):
    __slots__ = ("period", "date", "doctor_id", "service_id")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    period: ReportPeriod
    date: _date_pb2.Date
    doctor_id: str
    service_id: str
    def __init__(self, period: _Optional[_Union[ReportPeriod, str]] = ..., date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., doctor_id: _Optional[str] = ..., service_id: _Optional[str] = ...) -> None: ...

class StatusCount(_message.Message):
    __slots__ = ("status", "count")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    status: AppointmentStatus
    count: int
    def __init__(self, status: _Optional[_Union[AppointmentStatus, str]] = ..., count: _Optional[int] = ...) -> None: ...

class GetScheduleReportResponse(_message.Message):
    __slots__ = ("start_date", "end_date", "time_zone", "appointments", "truncated", "counts", "booked_minutes", "available_minutes", "utilisation_bp")
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENTS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    BOOKED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    UTILISATION_BP_FIELD_NUMBER: _ClassVar[int]
    start_date: _date_pb2.Date
    end_date: _date_pb2.Date
    time_zone: str
    appointments: _containers.RepeatedCompositeFieldContainer[Appointment]
    truncated: bool
    counts: _containers.RepeatedCompositeFieldContainer[StatusCount]
    booked_minutes: int
    available_minutes: int
    utilisation_bp: int
    def __init__(self, start_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., time_zone: _Optional[str] = ..., appointments: _Optional[_Iterable[_Union[Appointment, _Mapping]]] = ..., truncated: _Optional[bool] = ..., counts: _Optional[_Iterable[_Union[StatusCount, _Mapping]]] = ..., booked_minutes: _Optional[int] = ..., available_minutes: _Optional[int] = ..., utilisation_bp: _Optional[int] = ...) -> None: ...

class GetAppointmentStatsRequest(_message.Message):
    __slots__ = ("date",)
    DATE_FIELD_NUMBER: _ClassVar[int]
    date: _date_pb2.Date
    def __init__(self, date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class AppointmentPeriodStats(_message.Message):
    __slots__ = ("start_date", "end_date", "counts", "booked_minutes", "available_minutes", "utilisation_bp")
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    BOOKED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    UTILISATION_BP_FIELD_NUMBER: _ClassVar[int]
    start_date: _date_pb2.Date
    end_date: _date_pb2.Date
    counts: _containers.RepeatedCompositeFieldContainer[StatusCount]
    booked_minutes: int
    available_minutes: int
    utilisation_bp: int
    def __init__(self, start_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., counts: _Optional[_Iterable[_Union[StatusCount, _Mapping]]] = ..., booked_minutes: _Optional[int] = ..., available_minutes: _Optional[int] = ..., utilisation_bp: _Optional[int] = ...) -> None: ...

class AppointmentStats(_message.Message):
    __slots__ = ("today", "week", "time_zone")
    TODAY_FIELD_NUMBER: _ClassVar[int]
    WEEK_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    today: AppointmentPeriodStats
    week: AppointmentPeriodStats
    time_zone: str
    def __init__(self, today: _Optional[_Union[AppointmentPeriodStats, _Mapping]] = ..., week: _Optional[_Union[AppointmentPeriodStats, _Mapping]] = ..., time_zone: _Optional[str] = ...) -> None: ...

class GetAppointmentStatsResponse(_message.Message):
    __slots__ = ("stats",)
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: AppointmentStats
    def __init__(self, stats: _Optional[_Union[AppointmentStats, _Mapping]] = ...) -> None: ...
