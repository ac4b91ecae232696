import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
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

class DosageForm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOSAGE_FORM_UNSPECIFIED: _ClassVar[DosageForm]
    DOSAGE_FORM_TABLET: _ClassVar[DosageForm]
    DOSAGE_FORM_CAPSULE: _ClassVar[DosageForm]
    DOSAGE_FORM_SYRUP: _ClassVar[DosageForm]
    DOSAGE_FORM_SUSPENSION: _ClassVar[DosageForm]
    DOSAGE_FORM_INJECTION: _ClassVar[DosageForm]
    DOSAGE_FORM_CREAM: _ClassVar[DosageForm]
    DOSAGE_FORM_OINTMENT: _ClassVar[DosageForm]
    DOSAGE_FORM_INHALER: _ClassVar[DosageForm]
    DOSAGE_FORM_DROPS: _ClassVar[DosageForm]
    DOSAGE_FORM_SOLUTION: _ClassVar[DosageForm]
    DOSAGE_FORM_POWDER: _ClassVar[DosageForm]

class PrescriptionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRESCRIPTION_STATUS_UNSPECIFIED: _ClassVar[PrescriptionStatus]
    PRESCRIPTION_STATUS_PENDING_VERIFICATION: _ClassVar[PrescriptionStatus]
    PRESCRIPTION_STATUS_VERIFIED: _ClassVar[PrescriptionStatus]
    PRESCRIPTION_STATUS_DISPENSED_PARTIAL: _ClassVar[PrescriptionStatus]
    PRESCRIPTION_STATUS_DISPENSED_FULL: _ClassVar[PrescriptionStatus]
    PRESCRIPTION_STATUS_CANCELLED: _ClassVar[PrescriptionStatus]

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_MODERATE: _ClassVar[Severity]
    SEVERITY_MAJOR: _ClassVar[Severity]
    SEVERITY_CONTRAINDICATED: _ClassVar[Severity]

class FindingKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FINDING_KIND_UNSPECIFIED: _ClassVar[FindingKind]
    FINDING_KIND_ALLERGY: _ClassVar[FindingKind]
    FINDING_KIND_INTERACTION: _ClassVar[FindingKind]

class AdjustmentReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ADJUSTMENT_REASON_UNSPECIFIED: _ClassVar[AdjustmentReason]
    ADJUSTMENT_REASON_DAMAGE: _ClassVar[AdjustmentReason]
    ADJUSTMENT_REASON_COUNT_CORRECTION: _ClassVar[AdjustmentReason]
    ADJUSTMENT_REASON_EXPIRED_DISPOSAL: _ClassVar[AdjustmentReason]
    ADJUSTMENT_REASON_RETURN_TO_SUPPLIER: _ClassVar[AdjustmentReason]

class AuditOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIT_OUTCOME_UNSPECIFIED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_ALLOWED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_DENIED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_FAILED: _ClassVar[AuditOutcome]
DOSAGE_FORM_UNSPECIFIED: DosageForm
DOSAGE_FORM_TABLET: DosageForm
DOSAGE_FORM_CAPSULE: DosageForm
DOSAGE_FORM_SYRUP: DosageForm
DOSAGE_FORM_SUSPENSION: DosageForm
DOSAGE_FORM_INJECTION: DosageForm
DOSAGE_FORM_CREAM: DosageForm
DOSAGE_FORM_OINTMENT: DosageForm
DOSAGE_FORM_INHALER: DosageForm
DOSAGE_FORM_DROPS: DosageForm
DOSAGE_FORM_SOLUTION: DosageForm
DOSAGE_FORM_POWDER: DosageForm
PRESCRIPTION_STATUS_UNSPECIFIED: PrescriptionStatus
PRESCRIPTION_STATUS_PENDING_VERIFICATION: PrescriptionStatus
PRESCRIPTION_STATUS_VERIFIED: PrescriptionStatus
PRESCRIPTION_STATUS_DISPENSED_PARTIAL: PrescriptionStatus
PRESCRIPTION_STATUS_DISPENSED_FULL: PrescriptionStatus
PRESCRIPTION_STATUS_CANCELLED: PrescriptionStatus
SEVERITY_UNSPECIFIED: Severity
SEVERITY_MODERATE: Severity
SEVERITY_MAJOR: Severity
SEVERITY_CONTRAINDICATED: Severity
FINDING_KIND_UNSPECIFIED: FindingKind
FINDING_KIND_ALLERGY: FindingKind
FINDING_KIND_INTERACTION: FindingKind
ADJUSTMENT_REASON_UNSPECIFIED: AdjustmentReason
ADJUSTMENT_REASON_DAMAGE: AdjustmentReason
ADJUSTMENT_REASON_COUNT_CORRECTION: AdjustmentReason
ADJUSTMENT_REASON_EXPIRED_DISPOSAL: AdjustmentReason
ADJUSTMENT_REASON_RETURN_TO_SUPPLIER: AdjustmentReason
AUDIT_OUTCOME_UNSPECIFIED: AuditOutcome
AUDIT_OUTCOME_ALLOWED: AuditOutcome
AUDIT_OUTCOME_DENIED: AuditOutcome
AUDIT_OUTCOME_FAILED: AuditOutcome

class Medication(_message.Message):
    __slots__ = ("medication_id", "code", "name", "generic_name", "drug_classes", "ingredients", "manufacturer", "dosage_form", "strength", "unit_price", "reorder_level", "active", "version")
    MEDICATION_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    GENERIC_NAME_FIELD_NUMBER: _ClassVar[int]
    DRUG_CLASSES_FIELD_NUMBER: _ClassVar[int]
    INGREDIENTS_FIELD_NUMBER: _ClassVar[int]
    MANUFACTURER_FIELD_NUMBER: _ClassVar[int]
    DOSAGE_FORM_FIELD_NUMBER: _ClassVar[int]
    STRENGTH_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    REORDER_LEVEL_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    medication_id: str
    code: str
    name: str
    generic_name: str
    drug_classes: _containers.RepeatedScalarFieldContainer[str]
    ingredients: _containers.RepeatedScalarFieldContainer[str]
    manufacturer: str
    dosage_form: DosageForm
    strength: str
    unit_price: _money_pb2.Money
    reorder_level: int
    active: bool
    version: int
    def __init__(self, medication_id: _Optional[str] = ..., code: _Optional[str] = ..., name: _Optional[str] = ..., generic_name: _Optional[str] = ..., drug_classes: _Optional[_Iterable[str]] = ..., ingredients: _Optional[_Iterable[str]] = ..., manufacturer: _Optional[str] = ..., dosage_form: _Optional[_Union[DosageForm, str]] = ..., strength: _Optional[str] = ..., unit_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reorder_level: _Optional[int] = ..., active: _Optional[bool] = ..., version: _Optional[int] = ...) -> None: ...

class ListMedicationsRequest(_message.Message):
    __slots__ = ("query", "include_inactive", "page")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    query: str
    include_inactive: bool
    page: _paging_pb2.PageRequest
    def __init__(self, query: _Optional[str] = ..., include_inactive: _Optional[bool] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListMedicationsResponse(_message.Message):
    __slots__ = ("medications", "page")
    MEDICATIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    medications: _containers.RepeatedCompositeFieldContainer[Medication]
    page: _paging_pb2.PageResponse
    def __init__(self, medications: _Optional[_Iterable[_Union[Medication, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class CreateMedicationRequest(_message.Message):
    __slots__ = ("medication",)
    MEDICATION_FIELD_NUMBER: _ClassVar[int]
    medication: Medication
    def __init__(self, medication: _Optional[_Union[Medication, _Mapping]] = ...) -> None: ...

class CreateMedicationResponse(_message.Message):
    __slots__ = ("medication",)
    MEDICATION_FIELD_NUMBER: _ClassVar[int]
    medication: Medication
    def __init__(self, medication: _Optional[_Union[Medication, _Mapping]] = ...) -> None: ...

class UpdateMedicationRequest(_message.Message):
    __slots__ = ("medication_id", "medication", "version")
    MEDICATION_ID_FIELD_NUMBER: _ClassVar[int]
    MEDICATION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    medication_id: str
    medication: Medication
    version: int
    def __init__(self, medication_id: _Optional[str] = ..., medication: _Optional[_Union[Medication, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class UpdateMedicationResponse(_message.Message):
    __slots__ = ("medication",)
    MEDICATION_FIELD_NUMBER: _ClassVar[int]
    medication: Medication
    def __init__(self, medication: _Optional[_Union[Medication, _Mapping]] = ...) -> None: ...

class PrescriptionItemInput(_message.Message):
    __slots__ = ("medication_id", "dosage", "frequency", "duration_days", "quantity", "instructions")
    MEDICATION_ID_FIELD_NUMBER: _ClassVar[int]
    DOSAGE_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    DURATION_DAYS_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    medication_id: str
    dosage: str
    frequency: str
    duration_days: int
    quantity: int
    instructions: str
    def __init__(self, medication_id: _Optional[str] = ..., dosage: _Optional[str] = ..., frequency: _Optional[str] = ..., duration_days: _Optional[int] = ..., quantity: _Optional[int] = ..., instructions: _Optional[str] = ...) -> None: ...

class PrescriptionItem(_message.Message):
    __slots__ = ("item_id", "medication_id", "medication_name", "dosage", "frequency", "duration_days", "quantity", "dispensed_quantity", "instructions")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    MEDICATION_ID_FIELD_NUMBER: _ClassVar[int]
    MEDICATION_NAME_FIELD_NUMBER: _ClassVar[int]
    DOSAGE_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    DURATION_DAYS_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    DISPENSED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    medication_id: str
    medication_name: str
    dosage: str
    frequency: str
    duration_days: int
    quantity: int
    dispensed_quantity: int
    instructions: str
    def __init__(self, item_id: _Optional[str] = ..., medication_id: _Optional[str] = ..., medication_name: _Optional[str] = ..., dosage: _Optional[str] = ..., frequency: _Optional[str] = ..., duration_days: _Optional[int] = ..., quantity: _Optional[int] = ..., dispensed_quantity: _Optional[int] = ..., instructions: _Optional[str] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("kind", "medication_id", "medication_name", "other", "other_prescription_id", "severity", "description", "source")
    KIND_FIELD_NUMBER: _ClassVar[int]
    MEDICATION_ID_FIELD_NUMBER: _ClassVar[int]
    MEDICATION_NAME_FIELD_NUMBER: _ClassVar[int]
    OTHER_FIELD_NUMBER: _ClassVar[int]
    OTHER_PRESCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    kind: FindingKind
    medication_id: str
    medication_name: str
    other: str
    other_prescription_id: str
    severity: Severity
    description: str
    source: str
    def __init__(self, kind: _Optional[_Union[FindingKind, str]] = ..., medication_id: _Optional[str] = ..., medication_name: _Optional[str] = ..., other: _Optional[str] = ..., other_prescription_id: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., description: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class PrescriptionFindings(_message.Message):
    __slots__ = ("findings",)
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    def __init__(self, findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ...) -> None: ...

class BatchPick(_message.Message):
    __slots__ = ("batch_id", "lot", "expiry_date", "quantity")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    lot: str
    expiry_date: _date_pb2.Date
    quantity: int
    def __init__(self, batch_id: _Optional[str] = ..., lot: _Optional[str] = ..., expiry_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., quantity: _Optional[int] = ...) -> None: ...

class DispenseLine(_message.Message):
    __slots__ = ("item_id", "medication_id", "medication_name", "requested_quantity", "quantity", "picks", "unit_price")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    MEDICATION_ID_FIELD_NUMBER: _ClassVar[int]
    MEDICATION_NAME_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    PICKS_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    medication_id: str
    medication_name: str
    requested_quantity: int
    quantity: int
    picks: _containers.RepeatedCompositeFieldContainer[BatchPick]
    unit_price: _money_pb2.Money
    def __init__(self, item_id: _Optional[str] = ..., medication_id: _Optional[str] = ..., medication_name: _Optional[str] = ..., requested_quantity: _Optional[int] = ..., quantity: _Optional[int] = ..., picks: _Optional[_Iterable[_Union[BatchPick, _Mapping]]] = ..., unit_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class Dispense(_message.Message):
    __slots__ = ("dispense_id", "dispensed_by", "dispense_time", "lines", "total")
    DISPENSE_ID_FIELD_NUMBER: _ClassVar[int]
    DISPENSED_BY_FIELD_NUMBER: _ClassVar[int]
    DISPENSE_TIME_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    dispense_id: str
    dispensed_by: str
    dispense_time: _timestamp_pb2.Timestamp
    lines: _containers.RepeatedCompositeFieldContainer[DispenseLine]
    total: _money_pb2.Money
    def __init__(self, dispense_id: _Optional[str] = ..., dispensed_by: _Optional[str] = ..., dispense_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lines: _Optional[_Iterable[_Union[DispenseLine, _Mapping]]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class Prescription(_message.Message):
    __slots__ = ("prescription_id", "patient_id", "doctor_id", "encounter_id", "status", "items", "notes", "create_time", "overridden_findings", "override_reason", "verified_by", "verify_time", "dispenses", "cancel_reason", "version")
    PRESCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    OVERRIDDEN_FINDINGS_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_REASON_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_BY_FIELD_NUMBER: _ClassVar[int]
    VERIFY_TIME_FIELD_NUMBER: _ClassVar[int]
    DISPENSES_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REASON_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    prescription_id: str
    patient_id: str
    doctor_id: str
    encounter_id: str
    status: PrescriptionStatus
    items: _containers.RepeatedCompositeFieldContainer[PrescriptionItem]
    notes: str
    create_time: _timestamp_pb2.Timestamp
    overridden_findings: _containers.RepeatedCompositeFieldContainer[Finding]
    override_reason: str
    verified_by: str
    verify_time: _timestamp_pb2.Timestamp
    dispenses: _containers.RepeatedCompositeFieldContainer[Dispense]
    cancel_reason: str
    version: int
    def __init__(self, prescription_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., doctor_id: _Optional[str] = ..., encounter_id: _Optional[str] = ..., status: _Optional[_Union[PrescriptionStatus, str]] = ..., items: _Optional[_Iterable[_Union[PrescriptionItem, _Mapping]]] = ..., notes: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., overridden_findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., override_reason: _Optional[str] = ..., verified_by: _Optional[str] = ..., verify_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dispenses: _Optional[_Iterable[_Union[Dispense, _Mapping]]] = ..., cancel_reason: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class CreatePrescriptionRequest(_message.Message):
    __slots__ = ("patient_id", "encounter_id", "items", "notes", "override_reason")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_REASON_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    encounter_id: str
    items: _containers.RepeatedCompositeFieldContainer[PrescriptionItemInput]
    notes: str
    override_reason: str
    def __init__(self, patient_id: _Optional[str] = ..., encounter_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[PrescriptionItemInput, _Mapping]]] = ..., notes: _Optional[str] = ..., override_reason: _Optional[str] = ...) -> None: ...

class CreatePrescriptionResponse(_message.Message):
    __slots__ = ("prescription",)
    PRESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    prescription: Prescription
    def __init__(self, prescription: _Optional[_Union[Prescription, _Mapping]] = ...) -> None: ...

class ListPatientPrescriptionsRequest(_message.Message):
    __slots__ = ("patient_id", "page")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    page: _paging_pb2.PageRequest
    def __init__(self, patient_id: _Optional[str] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListPatientPrescriptionsResponse(_message.Message):
    __slots__ = ("prescriptions", "page")
    PRESCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    prescriptions: _containers.RepeatedCompositeFieldContainer[Prescription]
    page: _paging_pb2.PageResponse
    def __init__(self, prescriptions: _Optional[_Iterable[_Union[Prescription, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetPrescriptionRequest(_message.Message):
    __slots__ = ("prescription_id",)
    PRESCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    prescription_id: str
    def __init__(self, prescription_id: _Optional[str] = ...) -> None: ...

class GetPrescriptionResponse(_message.Message):
    __slots__ = ("prescription",)
    PRESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    prescription: Prescription
    def __init__(self, prescription: _Optional[_Union[Prescription, _Mapping]] = ...) -> None: ...

class ListPendingPrescriptionsRequest(_message.Message):
    __slots__ = ("status", "page")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    status: PrescriptionStatus
    page: _paging_pb2.PageRequest
    def __init__(self, status: _Optional[_Union[PrescriptionStatus, str]] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListPendingPrescriptionsResponse(_message.Message):
    __slots__ = ("prescriptions", "page")
    PRESCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    prescriptions: _containers.RepeatedCompositeFieldContainer[Prescription]
    page: _paging_pb2.PageResponse
    def __init__(self, prescriptions: _Optional[_Iterable[_Union[Prescription, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class VerifyPrescriptionRequest(_message.Message):
    __slots__ = ("prescription_id", "approve", "reason", "version")
    PRESCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    prescription_id: str
    approve: bool
    reason: str
    version: int
    def __init__(self, prescription_id: _Optional[str] = ..., approve: _Optional[bool] = ..., reason: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class VerifyPrescriptionResponse(_message.Message):
    __slots__ = ("prescription",)
    PRESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    prescription: Prescription
    def __init__(self, prescription: _Optional[_Union[Prescription, _Mapping]] = ...) -> None: ...

class PreviewDispenseRequest(_message.Message):
    __slots__ = ("prescription_id",)
    PRESCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    prescription_id: str
    def __init__(self, prescription_id: _Optional[str] = ...) -> None: ...

class PreviewDispenseResponse(_message.Message):
    __slots__ = ("lines",)
    LINES_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedCompositeFieldContainer[DispenseLine]
    def __init__(self, lines: _Optional[_Iterable[_Union[DispenseLine, _Mapping]]] = ...) -> None: ...

class DispenseQuantity(_message.Message):
    __slots__ = ("item_id", "quantity")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    quantity: int
    def __init__(self, item_id: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class DispensePrescriptionRequest(_message.Message):
    __slots__ = ("prescription_id", "items")
    PRESCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    prescription_id: str
    items: _containers.RepeatedCompositeFieldContainer[DispenseQuantity]
    def __init__(self, prescription_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[DispenseQuantity, _Mapping]]] = ...) -> None: ...

class DispensePrescriptionResponse(_message.Message):
    __slots__ = ("prescription", "dispense")
    PRESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DISPENSE_FIELD_NUMBER: _ClassVar[int]
    prescription: Prescription
    dispense: Dispense
    def __init__(self, prescription: _Optional[_Union[Prescription, _Mapping]] = ..., dispense: _Optional[_Union[Dispense, _Mapping]] = ...) -> None: ...

class CancelPrescriptionRequest(_message.Message):
    __slots__ = ("prescription_id", "reason")
    PRESCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    prescription_id: str
    reason: str
    def __init__(self, prescription_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelPrescriptionResponse(_message.Message):
    __slots__ = ("prescription",)
    PRESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    prescription: Prescription
    def __init__(self, prescription: _Optional[_Union[Prescription, _Mapping]] = ...) -> None: ...

class Batch(_message.Message):
    __slots__ = ("batch_id", "lot", "expiry_date", "quantity", "unit_cost", "receive_time", "expired")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_COST_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    lot: str
    expiry_date: _date_pb2.Date
    quantity: int
    unit_cost: _money_pb2.Money
    receive_time: _timestamp_pb2.Timestamp
    expired: bool
    def __init__(self, batch_id: _Optional[str] = ..., lot: _Optional[str] = ..., expiry_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., quantity: _Optional[int] = ..., unit_cost: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., receive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expired: _Optional[bool] = ...) -> None: ...

class StockLevel(_message.Message):
    __slots__ = ("medication_id", "medication_name", "on_hand", "expired_quantity", "reorder_level", "low", "batches", "version")
    MEDICATION_ID_FIELD_NUMBER: _ClassVar[int]
    MEDICATION_NAME_FIELD_NUMBER: _ClassVar[int]
    ON_HAND_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    REORDER_LEVEL_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    medication_id: str
    medication_name: str
    on_hand: int
    expired_quantity: int
    reorder_level: int
    low: bool
    batches: _containers.RepeatedCompositeFieldContainer[Batch]
    version: int
    def __init__(self, medication_id: _Optional[str] = ..., medication_name: _Optional[str] = ..., on_hand: _Optional[int] = ..., expired_quantity: _Optional[int] = ..., reorder_level: _Optional[int] = ..., low: _Optional[bool] = ..., batches: _Optional[_Iterable[_Union[Batch, _Mapping]]] = ..., version: _Optional[int] = ...) -> None: ...

class ListStockRequest(_message.Message):
    __slots__ = ("low_only", "page")
    LOW_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    low_only: bool
    page: _paging_pb2.PageRequest
    def __init__(self, low_only: _Optional[bool] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListStockResponse(_message.Message):
    __slots__ = ("stock", "page")
    STOCK_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    stock: _containers.RepeatedCompositeFieldContainer[StockLevel]
    page: _paging_pb2.PageResponse
    def __init__(self, stock: _Optional[_Iterable[_Union[StockLevel, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class ReceiveBatch(_message.Message):
    __slots__ = ("lot", "expiry_date", "quantity", "unit_cost")
    LOT_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_COST_FIELD_NUMBER: _ClassVar[int]
    lot: str
    expiry_date: _date_pb2.Date
    quantity: int
    unit_cost: _money_pb2.Money
    def __init__(self, lot: _Optional[str] = ..., expiry_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., quantity: _Optional[int] = ..., unit_cost: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class StockAdjustment(_message.Message):
    __slots__ = ("batch_id", "delta", "reason", "note")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    delta: int
    reason: AdjustmentReason
    note: str
    def __init__(self, batch_id: _Optional[str] = ..., delta: _Optional[int] = ..., reason: _Optional[_Union[AdjustmentReason, str]] = ..., note: _Optional[str] = ...) -> None: ...

class UpdateStockRequest(_message.Message):
    __slots__ = ("medication_id", "receive", "adjust")
    MEDICATION_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_FIELD_NUMBER: _ClassVar[int]
    ADJUST_FIELD_NUMBER: _ClassVar[int]
    medication_id: str
    receive: ReceiveBatch
    adjust: StockAdjustment
    def __init__(self, medication_id: _Optional[str] = ..., receive: _Optional[_Union[ReceiveBatch, _Mapping]] = ..., adjust: _Optional[_Union[StockAdjustment, _Mapping]] = ...) -> None: ...

class UpdateStockResponse(_message.Message):
    __slots__ = ("stock",)
    STOCK_FIELD_NUMBER: _ClassVar[int]
    stock: StockLevel
    def __init__(self, stock: _Optional[_Union[StockLevel, _Mapping]] = ...) -> None: ...

class ListExpiringBatchesRequest(_message.Message):
    __slots__ = ("within_days",)
    WITHIN_DAYS_FIELD_NUMBER: _ClassVar[int]
    within_days: int
    def __init__(self, within_days: _Optional[int] = ...) -> None: ...

class ExpiringBatch(_message.Message):
    __slots__ = ("medication_id", "medication_name", "batch")
    MEDICATION_ID_FIELD_NUMBER: _ClassVar[int]
    MEDICATION_NAME_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    medication_id: str
    medication_name: str
    batch: Batch
    def __init__(self, medication_id: _Optional[str] = ..., medication_name: _Optional[str] = ..., batch: _Optional[_Union[Batch, _Mapping]] = ...) -> None: ...

class ListExpiringBatchesResponse(_message.Message):
    __slots__ = ("batches",)
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    batches: _containers.RepeatedCompositeFieldContainer[ExpiringBatch]
    def __init__(self, batches: _Optional[_Iterable[_Union[ExpiringBatch, _Mapping]]] = ...) -> None: ...

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
