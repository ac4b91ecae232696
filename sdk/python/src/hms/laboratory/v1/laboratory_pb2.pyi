import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
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

class ParameterKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARAMETER_KIND_UNSPECIFIED: _ClassVar[ParameterKind]
    PARAMETER_KIND_QUANTITATIVE: _ClassVar[ParameterKind]
    PARAMETER_KIND_ORDINAL: _ClassVar[ParameterKind]

class Sex(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEX_UNSPECIFIED: _ClassVar[Sex]
    SEX_MALE: _ClassVar[Sex]
    SEX_FEMALE: _ClassVar[Sex]

class Priority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRIORITY_UNSPECIFIED: _ClassVar[Priority]
    PRIORITY_ROUTINE: _ClassVar[Priority]
    PRIORITY_URGENT: _ClassVar[Priority]

class LabOrderStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LAB_ORDER_STATUS_UNSPECIFIED: _ClassVar[LabOrderStatus]
    LAB_ORDER_STATUS_REQUESTED: _ClassVar[LabOrderStatus]
    LAB_ORDER_STATUS_SAMPLE_COLLECTED: _ClassVar[LabOrderStatus]
    LAB_ORDER_STATUS_PROCESSING: _ClassVar[LabOrderStatus]
    LAB_ORDER_STATUS_RESULTS_PENDING_REVIEW: _ClassVar[LabOrderStatus]
    LAB_ORDER_STATUS_COMPLETED: _ClassVar[LabOrderStatus]
    LAB_ORDER_STATUS_CANCELLED: _ClassVar[LabOrderStatus]

class Flag(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FLAG_UNSPECIFIED: _ClassVar[Flag]
    FLAG_NORMAL: _ClassVar[Flag]
    FLAG_LOW: _ClassVar[Flag]
    FLAG_HIGH: _ClassVar[Flag]
    FLAG_CRITICAL_LOW: _ClassVar[Flag]
    FLAG_CRITICAL_HIGH: _ClassVar[Flag]
    FLAG_ABNORMAL: _ClassVar[Flag]

class ResultStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESULT_STATUS_UNSPECIFIED: _ClassVar[ResultStatus]
    RESULT_STATUS_PRELIMINARY: _ClassVar[ResultStatus]
    RESULT_STATUS_FINAL: _ClassVar[ResultStatus]
    RESULT_STATUS_AMENDED: _ClassVar[ResultStatus]
    RESULT_STATUS_CORRECTED: _ClassVar[ResultStatus]

class LabStep(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LAB_STEP_UNSPECIFIED: _ClassVar[LabStep]
    LAB_STEP_COLLECT_SAMPLE: _ClassVar[LabStep]
    LAB_STEP_START_PROCESSING: _ClassVar[LabStep]
    LAB_STEP_CANCEL: _ClassVar[LabStep]

class AuditOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIT_OUTCOME_UNSPECIFIED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_ALLOWED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_DENIED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_FAILED: _ClassVar[AuditOutcome]
PARAMETER_KIND_UNSPECIFIED: ParameterKind
PARAMETER_KIND_QUANTITATIVE: ParameterKind
PARAMETER_KIND_ORDINAL: ParameterKind
SEX_UNSPECIFIED: Sex
SEX_MALE: Sex
SEX_FEMALE: Sex
PRIORITY_UNSPECIFIED: Priority
PRIORITY_ROUTINE: Priority
PRIORITY_URGENT: Priority
LAB_ORDER_STATUS_UNSPECIFIED: LabOrderStatus
LAB_ORDER_STATUS_REQUESTED: LabOrderStatus
LAB_ORDER_STATUS_SAMPLE_COLLECTED: LabOrderStatus
LAB_ORDER_STATUS_PROCESSING: LabOrderStatus
LAB_ORDER_STATUS_RESULTS_PENDING_REVIEW: LabOrderStatus
LAB_ORDER_STATUS_COMPLETED: LabOrderStatus
LAB_ORDER_STATUS_CANCELLED: LabOrderStatus
FLAG_UNSPECIFIED: Flag
FLAG_NORMAL: Flag
FLAG_LOW: Flag
FLAG_HIGH: Flag
FLAG_CRITICAL_LOW: Flag
FLAG_CRITICAL_HIGH: Flag
FLAG_ABNORMAL: Flag
RESULT_STATUS_UNSPECIFIED: ResultStatus
RESULT_STATUS_PRELIMINARY: ResultStatus
RESULT_STATUS_FINAL: ResultStatus
RESULT_STATUS_AMENDED: ResultStatus
RESULT_STATUS_CORRECTED: ResultStatus
LAB_STEP_UNSPECIFIED: LabStep
LAB_STEP_COLLECT_SAMPLE: LabStep
LAB_STEP_START_PROCESSING: LabStep
LAB_STEP_CANCEL: LabStep
AUDIT_OUTCOME_UNSPECIFIED: AuditOutcome
AUDIT_OUTCOME_ALLOWED: AuditOutcome
AUDIT_OUTCOME_DENIED: AuditOutcome
AUDIT_OUTCOME_FAILED: AuditOutcome

class ReferenceRange(_message.Message):
    __slots__ = ("sex", "age_min_days", "age_max_days", "low", "high", "critical_low", "critical_high", "source")
    SEX_FIELD_NUMBER: _ClassVar[int]
    AGE_MIN_DAYS_FIELD_NUMBER: _ClassVar[int]
    AGE_MAX_DAYS_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    CRITICAL_LOW_FIELD_NUMBER: _ClassVar[int]
    CRITICAL_HIGH_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    sex: Sex
    age_min_days: int
    age_max_days: int
    low: float
    high: float
    critical_low: float
    critical_high: float
    source: str
    def __init__(self, sex: _Optional[_Union[Sex, str]] = ..., age_min_days: _Optional[int] = ..., age_max_days: _Optional[int] = ..., low: _Optional[float] = ..., high: _Optional[float] = ..., critical_low: _Optional[float] = ..., critical_high: _Optional[float] = ..., source: _Optional[str] = ...) -> None: ...

class UnitConversion(_message.Message):
    __slots__ = ("unit", "factor", "offset")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    FACTOR_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    unit: str
    factor: float
    offset: float
    def __init__(self, unit: _Optional[str] = ..., factor: _Optional[float] = ..., offset: _Optional[float] = ...) -> None: ...

class LabParameter(_message.Message):
    __slots__ = ("code", "name", "kind", "unit", "decimals", "ranges", "conversions", "scale", "normal_values")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    DECIMALS_FIELD_NUMBER: _ClassVar[int]
    RANGES_FIELD_NUMBER: _ClassVar[int]
    CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    SCALE_FIELD_NUMBER: _ClassVar[int]
    NORMAL_VALUES_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    kind: ParameterKind
    unit: str
    decimals: int
    ranges: _containers.RepeatedCompositeFieldContainer[ReferenceRange]
    conversions: _containers.RepeatedCompositeFieldContainer[UnitConversion]
    scale: _containers.RepeatedScalarFieldContainer[str]
    normal_values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[ParameterKind, str]] = ..., unit: _Optional[str] = ..., decimals: _Optional[int] = ..., ranges: _Optional[_Iterable[_Union[ReferenceRange, _Mapping]]] = ..., conversions: _Optional[_Iterable[_Union[UnitConversion, _Mapping]]] = ..., scale: _Optional[_Iterable[str]] = ..., normal_values: _Optional[_Iterable[str]] = ...) -> None: ...

class LabTest(_message.Message):
    __slots__ = ("test_id", "code", "name", "sample_type", "turnaround_hours", "price", "parameters", "active", "version")
    TEST_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    TURNAROUND_HOURS_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    test_id: str
    code: str
    name: str
    sample_type: str
    turnaround_hours: int
    price: _money_pb2.Money
    parameters: _containers.RepeatedCompositeFieldContainer[LabParameter]
    active: bool
    version: int
    def __init__(self, test_id: _Optional[str] = ..., code: _Optional[str] = ..., name: _Optional[str] = ..., sample_type: _Optional[str] = ..., turnaround_hours: _Optional[int] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., parameters: _Optional[_Iterable[_Union[LabParameter, _Mapping]]] = ..., active: _Optional[bool] = ..., version: _Optional[int] = ...) -> None: ...

class ListLabTestsRequest(_message.Message):
    __slots__ = ("query", "include_inactive", "page")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    query: str
    include_inactive: bool
    page: _paging_pb2.PageRequest
    def __init__(self, query: _Optional[str] = ..., include_inactive: _Optional[bool] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListLabTestsResponse(_message.Message):
    __slots__ = ("tests", "page")
    TESTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    tests: _containers.RepeatedCompositeFieldContainer[LabTest]
    page: _paging_pb2.PageResponse
    def __init__(self, tests: _Optional[_Iterable[_Union[LabTest, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetLabTestRequest(_message.Message):
    __slots__ = ("test_id",)
    TEST_ID_FIELD_NUMBER: _ClassVar[int]
    test_id: str
    def __init__(self, test_id: _Optional[str] = ...) -> None: ...

class GetLabTestResponse(_message.Message):
    __slots__ = ("test",)
    TEST_FIELD_NUMBER: _ClassVar[int]
    test: LabTest
    def __init__(self, test: _Optional[_Union[LabTest, _Mapping]] = ...) -> None: ...

class CreateLabTestRequest(_message.Message):
    __slots__ = ("test",)
    TEST_FIELD_NUMBER: _ClassVar[int]
    test: LabTest
    def __init__(self, test: _Optional[_Union[LabTest, _Mapping]] = ...) -> None: ...

class CreateLabTestResponse(_message.Message):
    __slots__ = ("test",)
    TEST_FIELD_NUMBER: _ClassVar[int]
    test: LabTest
    def __init__(self, test: _Optional[_Union[LabTest, _Mapping]] = ...) -> None: ...

class UpdateLabTestRequest(_message.Message):
    __slots__ = ("test_id", "test", "version")
    TEST_ID_FIELD_NUMBER: _ClassVar[int]
    TEST_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    test_id: str
    test: LabTest
    version: int
    def __init__(self, test_id: _Optional[str] = ..., test: _Optional[_Union[LabTest, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class UpdateLabTestResponse(_message.Message):
    __slots__ = ("test",)
    TEST_FIELD_NUMBER: _ClassVar[int]
    test: LabTest
    def __init__(self, test: _Optional[_Union[LabTest, _Mapping]] = ...) -> None: ...

class DeleteLabTestRequest(_message.Message):
    __slots__ = ("test_id", "version")
    TEST_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    test_id: str
    version: int
    def __init__(self, test_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class DeleteLabTestResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LabResult(_message.Message):
    __slots__ = ("parameter_code", "parameter_name", "value", "scale_value", "unit", "entered", "reference_range", "flag", "status", "entered_by", "enter_time", "previous", "amend_reason", "decimals", "range_low", "range_high")
    PARAMETER_CODE_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SCALE_VALUE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    ENTERED_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_RANGE_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ENTERED_BY_FIELD_NUMBER: _ClassVar[int]
    ENTER_TIME_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    AMEND_REASON_FIELD_NUMBER: _ClassVar[int]
    DECIMALS_FIELD_NUMBER: _ClassVar[int]
    RANGE_LOW_FIELD_NUMBER: _ClassVar[int]
    RANGE_HIGH_FIELD_NUMBER: _ClassVar[int]
    parameter_code: str
    parameter_name: str
    value: float
    scale_value: str
    unit: str
    entered: str
    reference_range: str
    flag: Flag
    status: ResultStatus
    entered_by: str
    enter_time: _timestamp_pb2.Timestamp
    previous: str
    amend_reason: str
    decimals: int
    range_low: float
    range_high: float
    def __init__(self, parameter_code: _Optional[str] = ..., parameter_name: _Optional[str] = ..., value: _Optional[float] = ..., scale_value: _Optional[str] = ..., unit: _Optional[str] = ..., entered: _Optional[str] = ..., reference_range: _Optional[str] = ..., flag: _Optional[_Union[Flag, str]] = ..., status: _Optional[_Union[ResultStatus, str]] = ..., entered_by: _Optional[str] = ..., enter_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., previous: _Optional[str] = ..., amend_reason: _Optional[str] = ..., decimals: _Optional[int] = ..., range_low: _Optional[float] = ..., range_high: _Optional[float] = ...) -> None: ...

class ResultFile(_message.Message):
    __slots__ = ("file_id", "file_name", "content_type", "size_bytes", "attached_by", "attach_time")
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    ATTACHED_BY_FIELD_NUMBER: _ClassVar[int]
    ATTACH_TIME_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    file_name: str
    content_type: str
    size_bytes: int
    attached_by: str
    attach_time: _timestamp_pb2.Timestamp
    def __init__(self, file_id: _Optional[str] = ..., file_name: _Optional[str] = ..., content_type: _Optional[str] = ..., size_bytes: _Optional[int] = ..., attached_by: _Optional[str] = ..., attach_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LabOrderItem(_message.Message):
    __slots__ = ("item_id", "test_id", "test_code", "test_name", "sample_type", "status", "price", "results", "files", "results_pending", "cancel_reason", "released_by", "release_time", "parameters", "applied_ranges")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    TEST_ID_FIELD_NUMBER: _ClassVar[int]
    TEST_CODE_FIELD_NUMBER: _ClassVar[int]
    TEST_NAME_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    RESULTS_PENDING_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REASON_FIELD_NUMBER: _ClassVar[int]
    RELEASED_BY_FIELD_NUMBER: _ClassVar[int]
    RELEASE_TIME_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    APPLIED_RANGES_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    test_id: str
    test_code: str
    test_name: str
    sample_type: str
    status: LabOrderStatus
    price: _money_pb2.Money
    results: _containers.RepeatedCompositeFieldContainer[LabResult]
    files: _containers.RepeatedCompositeFieldContainer[ResultFile]
    results_pending: bool
    cancel_reason: str
    released_by: str
    release_time: _timestamp_pb2.Timestamp
    parameters: _containers.RepeatedCompositeFieldContainer[LabParameter]
    applied_ranges: _containers.RepeatedCompositeFieldContainer[AppliedRange]
    def __init__(self, item_id: _Optional[str] = ..., test_id: _Optional[str] = ..., test_code: _Optional[str] = ..., test_name: _Optional[str] = ..., sample_type: _Optional[str] = ..., status: _Optional[_Union[LabOrderStatus, str]] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., results: _Optional[_Iterable[_Union[LabResult, _Mapping]]] = ..., files: _Optional[_Iterable[_Union[ResultFile, _Mapping]]] = ..., results_pending: _Optional[bool] = ..., cancel_reason: _Optional[str] = ..., released_by: _Optional[str] = ..., release_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., parameters: _Optional[_Iterable[_Union[LabParameter, _Mapping]]] = ..., applied_ranges: _Optional[_Iterable[_Union[AppliedRange, _Mapping]]] = ...) -> None: ...

class AppliedRange(_message.Message):
    __slots__ = ("parameter_code", "low", "high", "critical_low", "critical_high", "reference_range")
    PARAMETER_CODE_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    CRITICAL_LOW_FIELD_NUMBER: _ClassVar[int]
    CRITICAL_HIGH_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_RANGE_FIELD_NUMBER: _ClassVar[int]
    parameter_code: str
    low: float
    high: float
    critical_low: float
    critical_high: float
    reference_range: str
    def __init__(self, parameter_code: _Optional[str] = ..., low: _Optional[float] = ..., high: _Optional[float] = ..., critical_low: _Optional[float] = ..., critical_high: _Optional[float] = ..., reference_range: _Optional[str] = ...) -> None: ...

class LabOrder(_message.Message):
    __slots__ = ("order_id", "patient_id", "doctor_id", "encounter_id", "priority", "notes", "status", "items", "accession_number", "collected_by", "collect_time", "create_time", "invoice_requested", "version")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    ACCESSION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    COLLECTED_BY_FIELD_NUMBER: _ClassVar[int]
    COLLECT_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    INVOICE_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    patient_id: str
    doctor_id: str
    encounter_id: str
    priority: Priority
    notes: str
    status: LabOrderStatus
    items: _containers.RepeatedCompositeFieldContainer[LabOrderItem]
    accession_number: str
    collected_by: str
    collect_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    invoice_requested: bool
    version: int
    def __init__(self, order_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., doctor_id: _Optional[str] = ..., encounter_id: _Optional[str] = ..., priority: _Optional[_Union[Priority, str]] = ..., notes: _Optional[str] = ..., status: _Optional[_Union[LabOrderStatus, str]] = ..., items: _Optional[_Iterable[_Union[LabOrderItem, _Mapping]]] = ..., accession_number: _Optional[str] = ..., collected_by: _Optional[str] = ..., collect_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., invoice_requested: _Optional[bool] = ..., version: _Optional[int] = ...) -> None: ...

class CreateLabOrderRequest(_message.Message):
    __slots__ = ("patient_id", "encounter_id", "priority", "notes", "test_ids")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    TEST_IDS_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    encounter_id: str
    priority: Priority
    notes: str
    test_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, patient_id: _Optional[str] = ..., encounter_id: _Optional[str] = ..., priority: _Optional[_Union[Priority, str]] = ..., notes: _Optional[str] = ..., test_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateLabOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: LabOrder
    def __init__(self, order: _Optional[_Union[LabOrder, _Mapping]] = ...) -> None: ...

class GetLabOrderRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...

class GetLabOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: LabOrder
    def __init__(self, order: _Optional[_Union[LabOrder, _Mapping]] = ...) -> None: ...

class GetLabOrderResultsRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...

class GetLabOrderResultsResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: LabOrder
    def __init__(self, order: _Optional[_Union[LabOrder, _Mapping]] = ...) -> None: ...

class ListPatientLabResultsRequest(_message.Message):
    __slots__ = ("patient_id", "page")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    page: _paging_pb2.PageRequest
    def __init__(self, patient_id: _Optional[str] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListPatientLabResultsResponse(_message.Message):
    __slots__ = ("orders", "page")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[LabOrder]
    page: _paging_pb2.PageResponse
    def __init__(self, orders: _Optional[_Iterable[_Union[LabOrder, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class ListParameterTrendRequest(_message.Message):
    __slots__ = ("patient_id", "parameter_code", "since")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_CODE_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    parameter_code: str
    since: _timestamp_pb2.Timestamp
    def __init__(self, patient_id: _Optional[str] = ..., parameter_code: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TrendPoint(_message.Message):
    __slots__ = ("order_id", "collect_time", "value", "scale_value", "flag", "reference_range", "status", "range_low", "range_high")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    COLLECT_TIME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SCALE_VALUE_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_RANGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RANGE_LOW_FIELD_NUMBER: _ClassVar[int]
    RANGE_HIGH_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    collect_time: _timestamp_pb2.Timestamp
    value: float
    scale_value: str
    flag: Flag
    reference_range: str
    status: ResultStatus
    range_low: float
    range_high: float
    def __init__(self, order_id: _Optional[str] = ..., collect_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., value: _Optional[float] = ..., scale_value: _Optional[str] = ..., flag: _Optional[_Union[Flag, str]] = ..., reference_range: _Optional[str] = ..., status: _Optional[_Union[ResultStatus, str]] = ..., range_low: _Optional[float] = ..., range_high: _Optional[float] = ...) -> None: ...

class ListParameterTrendResponse(_message.Message):
    __slots__ = ("parameter_code", "parameter_name", "unit", "decimals", "points")
    PARAMETER_CODE_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_NAME_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    DECIMALS_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    parameter_code: str
    parameter_name: str
    unit: str
    decimals: int
    points: _containers.RepeatedCompositeFieldContainer[TrendPoint]
    def __init__(self, parameter_code: _Optional[str] = ..., parameter_name: _Optional[str] = ..., unit: _Optional[str] = ..., decimals: _Optional[int] = ..., points: _Optional[_Iterable[_Union[TrendPoint, _Mapping]]] = ...) -> None: ...

class ListPendingLabOrdersRequest(_message.Message):
    __slots__ = ("status", "page")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    status: LabOrderStatus
    page: _paging_pb2.PageRequest
    def __init__(self, status: _Optional[_Union[LabOrderStatus, str]] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListPendingLabOrdersResponse(_message.Message):
    __slots__ = ("orders", "page")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[LabOrder]
    page: _paging_pb2.PageResponse
    def __init__(self, orders: _Optional[_Iterable[_Union[LabOrder, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class ListLabOrdersToReviewRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _paging_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListLabOrdersToReviewResponse(_message.Message):
    __slots__ = ("orders", "page")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[LabOrder]
    page: _paging_pb2.PageResponse
    def __init__(self, orders: _Optional[_Iterable[_Union[LabOrder, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class UpdateLabOrderStatusRequest(_message.Message):
    __slots__ = ("order_id", "step", "reason", "version")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    step: LabStep
    reason: str
    version: int
    def __init__(self, order_id: _Optional[str] = ..., step: _Optional[_Union[LabStep, str]] = ..., reason: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class UpdateLabOrderStatusResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: LabOrder
    def __init__(self, order: _Optional[_Union[LabOrder, _Mapping]] = ...) -> None: ...

class UpdateLabOrderItemStatusRequest(_message.Message):
    __slots__ = ("order_id", "item_id", "step", "reason", "version")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    item_id: str
    step: LabStep
    reason: str
    version: int
    def __init__(self, order_id: _Optional[str] = ..., item_id: _Optional[str] = ..., step: _Optional[_Union[LabStep, str]] = ..., reason: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class UpdateLabOrderItemStatusResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: LabOrder
    def __init__(self, order: _Optional[_Union[LabOrder, _Mapping]] = ...) -> None: ...

class ResultInput(_message.Message):
    __slots__ = ("parameter_code", "value", "unit", "scale_value")
    PARAMETER_CODE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    SCALE_VALUE_FIELD_NUMBER: _ClassVar[int]
    parameter_code: str
    value: float
    unit: str
    scale_value: str
    def __init__(self, parameter_code: _Optional[str] = ..., value: _Optional[float] = ..., unit: _Optional[str] = ..., scale_value: _Optional[str] = ...) -> None: ...

class EnterLabResultsRequest(_message.Message):
    __slots__ = ("order_id", "item_id", "results", "amend_reason", "version")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    AMEND_REASON_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    item_id: str
    results: _containers.RepeatedCompositeFieldContainer[ResultInput]
    amend_reason: str
    version: int
    def __init__(self, order_id: _Optional[str] = ..., item_id: _Optional[str] = ..., results: _Optional[_Iterable[_Union[ResultInput, _Mapping]]] = ..., amend_reason: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class EnterLabResultsResponse(_message.Message):
    __slots__ = ("order", "critical_parameter_codes")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    CRITICAL_PARAMETER_CODES_FIELD_NUMBER: _ClassVar[int]
    order: LabOrder
    critical_parameter_codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, order: _Optional[_Union[LabOrder, _Mapping]] = ..., critical_parameter_codes: _Optional[_Iterable[str]] = ...) -> None: ...

class ReleaseLabResultsRequest(_message.Message):
    __slots__ = ("order_id", "item_ids", "version")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_IDS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    item_ids: _containers.RepeatedScalarFieldContainer[str]
    version: int
    def __init__(self, order_id: _Optional[str] = ..., item_ids: _Optional[_Iterable[str]] = ..., version: _Optional[int] = ...) -> None: ...

class ReleaseLabResultsResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: LabOrder
    def __init__(self, order: _Optional[_Union[LabOrder, _Mapping]] = ...) -> None: ...

class AttachResultFileRequest(_message.Message):
    __slots__ = ("order_id", "item_id", "file_name", "content")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    item_id: str
    file_name: str
    content: bytes
    def __init__(self, order_id: _Optional[str] = ..., item_id: _Optional[str] = ..., file_name: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class AttachResultFileResponse(_message.Message):
    __slots__ = ("file",)
    FILE_FIELD_NUMBER: _ClassVar[int]
    file: ResultFile
    def __init__(self, file: _Optional[_Union[ResultFile, _Mapping]] = ...) -> None: ...

class GetResultFileRequest(_message.Message):
    __slots__ = ("order_id", "item_id", "file_id")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    item_id: str
    file_id: str
    def __init__(self, order_id: _Optional[str] = ..., item_id: _Optional[str] = ..., file_id: _Optional[str] = ...) -> None: ...

class GetResultFileResponse(_message.Message):
    __slots__ = ("file", "content")
    FILE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    file: ResultFile
    content: bytes
    def __init__(self, file: _Optional[_Union[ResultFile, _Mapping]] = ..., content: _Optional[bytes] = ...) -> None: ...

class GetLabReportRequest(_message.Message):
    __slots__ = ("order_id", "language")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    language: str
    def __init__(self, order_id: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class AuditEvent(_message.Message):
    __slots__ = ("sequence", "actor_id", "actor_role", "action", "patient_id", "resource", "event_time", "client_address", "outcome", "reason", "previous_hash", "hash")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ROLE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_HASH_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    actor_id: str
    actor_role: str
    action: str
    patient_id: str
    resource: str
    event_time: _timestamp_pb2.Timestamp
    client_address: str
    outcome: AuditOutcome
    reason: str
    previous_hash: str
    hash: str
    def __init__(self, sequence: _Optional[int] = ..., actor_id: _Optional[str] = ..., actor_role: _Optional[str] = ..., action: _Optional[str] = ..., patient_id: _Optional[str] = ..., resource: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., client_address: _Optional[str] = ..., outcome: _Optional[_Union[AuditOutcome, str]] = ..., reason: _Optional[str] = ..., previous_hash: _Optional[str] = ..., hash: _Optional[str] = ...) -> None: ...

class ListAuditEventsRequest(_message.Message):
    __slots__ = ("patient_id", "actor_id", "page")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    actor_id: str
    page: _paging_pb2.PageRequest
    def __init__(self, patient_id: _Optional[str] = ..., actor_id: _Optional[str] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListAuditEventsResponse(_message.Message):
    __slots__ = ("events", "page")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[AuditEvent]
    page: _paging_pb2.PageResponse
    def __init__(self, events: _Optional[_Iterable[_Union[AuditEvent, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class VerifyAuditChainRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VerifyAuditChainResponse(_message.Message):
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
