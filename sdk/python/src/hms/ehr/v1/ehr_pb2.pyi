import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from hms.common.v1 import access_pb2 as _access_pb2
from hms.common.v1 import paging_pb2 as _paging_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Criticality(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CRITICALITY_UNSPECIFIED: _ClassVar[Criticality]
    CRITICALITY_LOW: _ClassVar[Criticality]
    CRITICALITY_HIGH: _ClassVar[Criticality]

class EncounterStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENCOUNTER_STATUS_UNSPECIFIED: _ClassVar[EncounterStatus]
    ENCOUNTER_STATUS_PLANNED: _ClassVar[EncounterStatus]
    ENCOUNTER_STATUS_IN_PROGRESS: _ClassVar[EncounterStatus]
    ENCOUNTER_STATUS_FINISHED: _ClassVar[EncounterStatus]
    ENCOUNTER_STATUS_CANCELLED: _ClassVar[EncounterStatus]

class AuditOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIT_OUTCOME_UNSPECIFIED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_ALLOWED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_DENIED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_FAILED: _ClassVar[AuditOutcome]

class AppointmentStage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPOINTMENT_STAGE_UNSPECIFIED: _ClassVar[AppointmentStage]
    APPOINTMENT_STAGE_CONFIRMED: _ClassVar[AppointmentStage]
    APPOINTMENT_STAGE_COMPLETED: _ClassVar[AppointmentStage]
    APPOINTMENT_STAGE_CANCELLED: _ClassVar[AppointmentStage]
    APPOINTMENT_STAGE_CHECKED_IN: _ClassVar[AppointmentStage]
    APPOINTMENT_STAGE_NO_SHOW: _ClassVar[AppointmentStage]
CRITICALITY_UNSPECIFIED: Criticality
CRITICALITY_LOW: Criticality
CRITICALITY_HIGH: Criticality
ENCOUNTER_STATUS_UNSPECIFIED: EncounterStatus
ENCOUNTER_STATUS_PLANNED: EncounterStatus
ENCOUNTER_STATUS_IN_PROGRESS: EncounterStatus
ENCOUNTER_STATUS_FINISHED: EncounterStatus
ENCOUNTER_STATUS_CANCELLED: EncounterStatus
AUDIT_OUTCOME_UNSPECIFIED: AuditOutcome
AUDIT_OUTCOME_ALLOWED: AuditOutcome
AUDIT_OUTCOME_DENIED: AuditOutcome
AUDIT_OUTCOME_FAILED: AuditOutcome
APPOINTMENT_STAGE_UNSPECIFIED: AppointmentStage
APPOINTMENT_STAGE_CONFIRMED: AppointmentStage
APPOINTMENT_STAGE_COMPLETED: AppointmentStage
APPOINTMENT_STAGE_CANCELLED: AppointmentStage
APPOINTMENT_STAGE_CHECKED_IN: AppointmentStage
APPOINTMENT_STAGE_NO_SHOW: AppointmentStage

class Allergy(_message.Message):
    __slots__ = ("substance", "reaction", "criticality")
    SUBSTANCE_FIELD_NUMBER: _ClassVar[int]
    REACTION_FIELD_NUMBER: _ClassVar[int]
    CRITICALITY_FIELD_NUMBER: _ClassVar[int]
    substance: str
    reaction: str
    criticality: Criticality
    def __init__(self, substance: _Optional[str] = ..., reaction: _Optional[str] = ..., criticality: _Optional[_Union[Criticality, str]] = ...) -> None: ...

class ChronicCondition(_message.Message):
    __slots__ = ("description", "icd10_code")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ICD10_CODE_FIELD_NUMBER: _ClassVar[int]
    description: str
    icd10_code: str
    def __init__(self, description: _Optional[str] = ..., icd10_code: _Optional[str] = ...) -> None: ...

class Immunization(_message.Message):
    __slots__ = ("vaccine", "date", "dose_number")
    VACCINE_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    DOSE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    vaccine: str
    date: _date_pb2.Date
    dose_number: int
    def __init__(self, vaccine: _Optional[str] = ..., date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., dose_number: _Optional[int] = ...) -> None: ...

class RecordFields(_message.Message):
    __slots__ = ("blood_type", "allergies", "chronic_conditions", "medical_history_summary", "immunizations")
    BLOOD_TYPE_FIELD_NUMBER: _ClassVar[int]
    ALLERGIES_FIELD_NUMBER: _ClassVar[int]
    CHRONIC_CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    MEDICAL_HISTORY_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    IMMUNIZATIONS_FIELD_NUMBER: _ClassVar[int]
    blood_type: str
    allergies: _containers.RepeatedCompositeFieldContainer[Allergy]
    chronic_conditions: _containers.RepeatedCompositeFieldContainer[ChronicCondition]
    medical_history_summary: str
    immunizations: _containers.RepeatedCompositeFieldContainer[Immunization]
    def __init__(self, blood_type: _Optional[str] = ..., allergies: _Optional[_Iterable[_Union[Allergy, _Mapping]]] = ..., chronic_conditions: _Optional[_Iterable[_Union[ChronicCondition, _Mapping]]] = ..., medical_history_summary: _Optional[str] = ..., immunizations: _Optional[_Iterable[_Union[Immunization, _Mapping]]] = ...) -> None: ...

class MedicalRecord(_message.Message):
    __slots__ = ("patient_id", "fields", "version", "create_time", "update_time")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    fields: RecordFields
    version: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, patient_id: _Optional[str] = ..., fields: _Optional[_Union[RecordFields, _Mapping]] = ..., version: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PrescriptionReference(_message.Message):
    __slots__ = ("prescription_id", "encounter_id", "issue_time", "medications_summary")
    PRESCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUE_TIME_FIELD_NUMBER: _ClassVar[int]
    MEDICATIONS_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    prescription_id: str
    encounter_id: str
    issue_time: _timestamp_pb2.Timestamp
    medications_summary: str
    def __init__(self, prescription_id: _Optional[str] = ..., encounter_id: _Optional[str] = ..., issue_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., medications_summary: _Optional[str] = ...) -> None: ...

class LabResultReference(_message.Message):
    __slots__ = ("lab_order_item_id", "encounter_id", "test_name", "result_time", "summary_status")
    LAB_ORDER_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    TEST_NAME_FIELD_NUMBER: _ClassVar[int]
    RESULT_TIME_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_STATUS_FIELD_NUMBER: _ClassVar[int]
    lab_order_item_id: str
    encounter_id: str
    test_name: str
    result_time: _timestamp_pb2.Timestamp
    summary_status: str
    def __init__(self, lab_order_item_id: _Optional[str] = ..., encounter_id: _Optional[str] = ..., test_name: _Optional[str] = ..., result_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., summary_status: _Optional[str] = ...) -> None: ...

class GetMedicalRecordRequest(_message.Message):
    __slots__ = ("patient_id",)
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    def __init__(self, patient_id: _Optional[str] = ...) -> None: ...

class GetMedicalRecordResponse(_message.Message):
    __slots__ = ("record", "prescription_references", "lab_result_references")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    PRESCRIPTION_REFERENCES_FIELD_NUMBER: _ClassVar[int]
    LAB_RESULT_REFERENCES_FIELD_NUMBER: _ClassVar[int]
    record: MedicalRecord
    prescription_references: _containers.RepeatedCompositeFieldContainer[PrescriptionReference]
    lab_result_references: _containers.RepeatedCompositeFieldContainer[LabResultReference]
    def __init__(self, record: _Optional[_Union[MedicalRecord, _Mapping]] = ..., prescription_references: _Optional[_Iterable[_Union[PrescriptionReference, _Mapping]]] = ..., lab_result_references: _Optional[_Iterable[_Union[LabResultReference, _Mapping]]] = ...) -> None: ...

class CreateMedicalRecordRequest(_message.Message):
    __slots__ = ("patient_id",)
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    def __init__(self, patient_id: _Optional[str] = ...) -> None: ...

class CreateMedicalRecordResponse(_message.Message):
    __slots__ = ("record", "created")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    record: MedicalRecord
    created: bool
    def __init__(self, record: _Optional[_Union[MedicalRecord, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class UpdateMedicalRecordRequest(_message.Message):
    __slots__ = ("patient_id", "fields", "version")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    fields: RecordFields
    version: int
    def __init__(self, patient_id: _Optional[str] = ..., fields: _Optional[_Union[RecordFields, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class UpdateMedicalRecordResponse(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: MedicalRecord
    def __init__(self, record: _Optional[_Union[MedicalRecord, _Mapping]] = ...) -> None: ...

class Diagnosis(_message.Message):
    __slots__ = ("diagnosis_id", "icd10_code", "description", "is_primary")
    DIAGNOSIS_ID_FIELD_NUMBER: _ClassVar[int]
    ICD10_CODE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    IS_PRIMARY_FIELD_NUMBER: _ClassVar[int]
    diagnosis_id: str
    icd10_code: str
    description: str
    is_primary: bool
    def __init__(self, diagnosis_id: _Optional[str] = ..., icd10_code: _Optional[str] = ..., description: _Optional[str] = ..., is_primary: _Optional[bool] = ...) -> None: ...

class TreatmentPlan(_message.Message):
    __slots__ = ("treatment_plan_id", "description", "follow_up_instructions")
    TREATMENT_PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    treatment_plan_id: str
    description: str
    follow_up_instructions: str
    def __init__(self, treatment_plan_id: _Optional[str] = ..., description: _Optional[str] = ..., follow_up_instructions: _Optional[str] = ...) -> None: ...

class VitalSigns(_message.Message):
    __slots__ = ("vital_id", "recorded_by", "measure_time", "heart_rate", "systolic_bp", "diastolic_bp", "temperature_celsius", "respiratory_rate", "spo2_percent", "weight_kg", "height_cm")
    VITAL_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    MEASURE_TIME_FIELD_NUMBER: _ClassVar[int]
    HEART_RATE_FIELD_NUMBER: _ClassVar[int]
    SYSTOLIC_BP_FIELD_NUMBER: _ClassVar[int]
    DIASTOLIC_BP_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_CELSIUS_FIELD_NUMBER: _ClassVar[int]
    RESPIRATORY_RATE_FIELD_NUMBER: _ClassVar[int]
    SPO2_PERCENT_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_KG_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_CM_FIELD_NUMBER: _ClassVar[int]
    vital_id: str
    recorded_by: str
    measure_time: _timestamp_pb2.Timestamp
    heart_rate: int
    systolic_bp: int
    diastolic_bp: int
    temperature_celsius: float
    respiratory_rate: int
    spo2_percent: int
    weight_kg: float
    height_cm: float
    def __init__(self, vital_id: _Optional[str] = ..., recorded_by: _Optional[str] = ..., measure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., heart_rate: _Optional[int] = ..., systolic_bp: _Optional[int] = ..., diastolic_bp: _Optional[int] = ..., temperature_celsius: _Optional[float] = ..., respiratory_rate: _Optional[int] = ..., spo2_percent: _Optional[int] = ..., weight_kg: _Optional[float] = ..., height_cm: _Optional[float] = ...) -> None: ...

class EncounterNotes(_message.Message):
    __slots__ = ("chief_complaint", "history_of_present_illness", "physical_examination_findings", "clinical_notes")
    CHIEF_COMPLAINT_FIELD_NUMBER: _ClassVar[int]
    HISTORY_OF_PRESENT_ILLNESS_FIELD_NUMBER: _ClassVar[int]
    PHYSICAL_EXAMINATION_FINDINGS_FIELD_NUMBER: _ClassVar[int]
    CLINICAL_NOTES_FIELD_NUMBER: _ClassVar[int]
    chief_complaint: str
    history_of_present_illness: str
    physical_examination_findings: str
    clinical_notes: str
    def __init__(self, chief_complaint: _Optional[str] = ..., history_of_present_illness: _Optional[str] = ..., physical_examination_findings: _Optional[str] = ..., clinical_notes: _Optional[str] = ...) -> None: ...

class Encounter(_message.Message):
    __slots__ = ("encounter_id", "patient_id", "doctor_id", "appointment_id", "encounter_time", "status", "notes", "diagnoses", "treatment_plans", "vital_signs", "prescription_references", "lab_result_references", "version", "create_time", "update_time")
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSES_FIELD_NUMBER: _ClassVar[int]
    TREATMENT_PLANS_FIELD_NUMBER: _ClassVar[int]
    VITAL_SIGNS_FIELD_NUMBER: _ClassVar[int]
    PRESCRIPTION_REFERENCES_FIELD_NUMBER: _ClassVar[int]
    LAB_RESULT_REFERENCES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    encounter_id: str
    patient_id: str
    doctor_id: str
    appointment_id: str
    encounter_time: _timestamp_pb2.Timestamp
    status: EncounterStatus
    notes: EncounterNotes
    diagnoses: _containers.RepeatedCompositeFieldContainer[Diagnosis]
    treatment_plans: _containers.RepeatedCompositeFieldContainer[TreatmentPlan]
    vital_signs: _containers.RepeatedCompositeFieldContainer[VitalSigns]
    prescription_references: _containers.RepeatedCompositeFieldContainer[PrescriptionReference]
    lab_result_references: _containers.RepeatedCompositeFieldContainer[LabResultReference]
    version: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, encounter_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., doctor_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., encounter_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[EncounterStatus, str]] = ..., notes: _Optional[_Union[EncounterNotes, _Mapping]] = ..., diagnoses: _Optional[_Iterable[_Union[Diagnosis, _Mapping]]] = ..., treatment_plans: _Optional[_Iterable[_Union[TreatmentPlan, _Mapping]]] = ..., vital_signs: _Optional[_Iterable[_Union[VitalSigns, _Mapping]]] = ..., prescription_references: _Optional[_Iterable[_Union[PrescriptionReference, _Mapping]]] = ..., lab_result_references: _Optional[_Iterable[_Union[LabResultReference, _Mapping]]] = ..., version: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListEncountersRequest(_message.Message):
    __slots__ = ("patient_id", "page")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    page: _paging_pb2.PageRequest
    def __init__(self, patient_id: _Optional[str] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListEncountersResponse(_message.Message):
    __slots__ = ("encounters", "page")
    ENCOUNTERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    encounters: _containers.RepeatedCompositeFieldContainer[Encounter]
    page: _paging_pb2.PageResponse
    def __init__(self, encounters: _Optional[_Iterable[_Union[Encounter, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetEncounterRequest(_message.Message):
    __slots__ = ("patient_id", "encounter_id")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    encounter_id: str
    def __init__(self, patient_id: _Optional[str] = ..., encounter_id: _Optional[str] = ...) -> None: ...

class GetEncounterResponse(_message.Message):
    __slots__ = ("encounter",)
    ENCOUNTER_FIELD_NUMBER: _ClassVar[int]
    encounter: Encounter
    def __init__(self, encounter: _Optional[_Union[Encounter, _Mapping]] = ...) -> None: ...

class CreateEncounterRequest(_message.Message):
    __slots__ = ("patient_id", "encounter_time", "notes", "status")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_TIME_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    encounter_time: _timestamp_pb2.Timestamp
    notes: EncounterNotes
    status: EncounterStatus
    def __init__(self, patient_id: _Optional[str] = ..., encounter_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notes: _Optional[_Union[EncounterNotes, _Mapping]] = ..., status: _Optional[_Union[EncounterStatus, str]] = ...) -> None: ...

class CreateEncounterResponse(_message.Message):
    __slots__ = ("encounter",)
    ENCOUNTER_FIELD_NUMBER: _ClassVar[int]
    encounter: Encounter
    def __init__(self, encounter: _Optional[_Union[Encounter, _Mapping]] = ...) -> None: ...

class UpdateEncounterRequest(_message.Message):
    __slots__ = ("patient_id", "encounter_id", "notes", "version")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    encounter_id: str
    notes: EncounterNotes
    version: int
    def __init__(self, patient_id: _Optional[str] = ..., encounter_id: _Optional[str] = ..., notes: _Optional[_Union[EncounterNotes, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class UpdateEncounterResponse(_message.Message):
    __slots__ = ("encounter",)
    ENCOUNTER_FIELD_NUMBER: _ClassVar[int]
    encounter: Encounter
    def __init__(self, encounter: _Optional[_Union[Encounter, _Mapping]] = ...) -> None: ...

class UpdateEncounterStatusRequest(_message.Message):
    __slots__ = ("patient_id", "encounter_id", "status", "version")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    encounter_id: str
    status: EncounterStatus
    version: int
    def __init__(self, patient_id: _Optional[str] = ..., encounter_id: _Optional[str] = ..., status: _Optional[_Union[EncounterStatus, str]] = ..., version: _Optional[int] = ...) -> None: ...

class UpdateEncounterStatusResponse(_message.Message):
    __slots__ = ("encounter",)
    ENCOUNTER_FIELD_NUMBER: _ClassVar[int]
    encounter: Encounter
    def __init__(self, encounter: _Optional[_Union[Encounter, _Mapping]] = ...) -> None: ...

class AddDiagnosisRequest(_message.Message):
    __slots__ = ("patient_id", "encounter_id", "diagnosis")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    encounter_id: str
    diagnosis: Diagnosis
    def __init__(self, patient_id: _Optional[str] = ..., encounter_id: _Optional[str] = ..., diagnosis: _Optional[_Union[Diagnosis, _Mapping]] = ...) -> None: ...

class AddDiagnosisResponse(_message.Message):
    __slots__ = ("encounter",)
    ENCOUNTER_FIELD_NUMBER: _ClassVar[int]
    encounter: Encounter
    def __init__(self, encounter: _Optional[_Union[Encounter, _Mapping]] = ...) -> None: ...

class UpdateDiagnosisRequest(_message.Message):
    __slots__ = ("patient_id", "encounter_id", "diagnosis_id", "diagnosis", "version")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSIS_ID_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    encounter_id: str
    diagnosis_id: str
    diagnosis: Diagnosis
    version: int
    def __init__(self, patient_id: _Optional[str] = ..., encounter_id: _Optional[str] = ..., diagnosis_id: _Optional[str] = ..., diagnosis: _Optional[_Union[Diagnosis, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class UpdateDiagnosisResponse(_message.Message):
    __slots__ = ("encounter",)
    ENCOUNTER_FIELD_NUMBER: _ClassVar[int]
    encounter: Encounter
    def __init__(self, encounter: _Optional[_Union[Encounter, _Mapping]] = ...) -> None: ...

class AddTreatmentPlanRequest(_message.Message):
    __slots__ = ("patient_id", "encounter_id", "treatment_plan")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    TREATMENT_PLAN_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    encounter_id: str
    treatment_plan: TreatmentPlan
    def __init__(self, patient_id: _Optional[str] = ..., encounter_id: _Optional[str] = ..., treatment_plan: _Optional[_Union[TreatmentPlan, _Mapping]] = ...) -> None: ...

class AddTreatmentPlanResponse(_message.Message):
    __slots__ = ("encounter",)
    ENCOUNTER_FIELD_NUMBER: _ClassVar[int]
    encounter: Encounter
    def __init__(self, encounter: _Optional[_Union[Encounter, _Mapping]] = ...) -> None: ...

class AddVitalSignsRequest(_message.Message):
    __slots__ = ("patient_id", "encounter_id", "vital_signs", "appointment_id")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    VITAL_SIGNS_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    encounter_id: str
    vital_signs: VitalSigns
    appointment_id: str
    def __init__(self, patient_id: _Optional[str] = ..., encounter_id: _Optional[str] = ..., vital_signs: _Optional[_Union[VitalSigns, _Mapping]] = ..., appointment_id: _Optional[str] = ...) -> None: ...

class AddVitalSignsResponse(_message.Message):
    __slots__ = ("vital_signs",)
    VITAL_SIGNS_FIELD_NUMBER: _ClassVar[int]
    vital_signs: VitalSigns
    def __init__(self, vital_signs: _Optional[_Union[VitalSigns, _Mapping]] = ...) -> None: ...

class SearchDiagnosisCodesRequest(_message.Message):
    __slots__ = ("query", "page_size")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    query: str
    page_size: int
    def __init__(self, query: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class DiagnosisCode(_message.Message):
    __slots__ = ("code", "title", "title_vi")
    CODE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TITLE_VI_FIELD_NUMBER: _ClassVar[int]
    code: str
    title: str
    title_vi: str
    def __init__(self, code: _Optional[str] = ..., title: _Optional[str] = ..., title_vi: _Optional[str] = ...) -> None: ...

class SearchDiagnosisCodesResponse(_message.Message):
    __slots__ = ("codes", "edition")
    CODES_FIELD_NUMBER: _ClassVar[int]
    EDITION_FIELD_NUMBER: _ClassVar[int]
    codes: _containers.RepeatedCompositeFieldContainer[DiagnosisCode]
    edition: str
    def __init__(self, codes: _Optional[_Iterable[_Union[DiagnosisCode, _Mapping]]] = ..., edition: _Optional[str] = ...) -> None: ...

class BreakGlassGrant(_message.Message):
    __slots__ = ("grant_id", "doctor_id", "patient_id", "reason", "grant_time", "expire_time")
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    GRANT_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    grant_id: str
    doctor_id: str
    patient_id: str
    reason: str
    grant_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, grant_id: _Optional[str] = ..., doctor_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., reason: _Optional[str] = ..., grant_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BreakGlassRequest(_message.Message):
    __slots__ = ("patient_id", "reason")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    reason: str
    def __init__(self, patient_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class BreakGlassResponse(_message.Message):
    __slots__ = ("grant",)
    GRANT_FIELD_NUMBER: _ClassVar[int]
    grant: BreakGlassGrant
    def __init__(self, grant: _Optional[_Union[BreakGlassGrant, _Mapping]] = ...) -> None: ...

class ListBreakGlassGrantsRequest(_message.Message):
    __slots__ = ("doctor_id", "patient_id", "page")
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    doctor_id: str
    patient_id: str
    page: _paging_pb2.PageRequest
    def __init__(self, doctor_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListBreakGlassGrantsResponse(_message.Message):
    __slots__ = ("grants", "page")
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    grants: _containers.RepeatedCompositeFieldContainer[BreakGlassGrant]
    page: _paging_pb2.PageResponse
    def __init__(self, grants: _Optional[_Iterable[_Union[BreakGlassGrant, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class AuditEvent(_message.Message):
    __slots__ = ("sequence", "actor_id", "actor_role", "action", "patient_id", "resource", "event_time", "client_address", "outcome", "break_glass_reason", "previous_hash", "hash")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ROLE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    BREAK_GLASS_REASON_FIELD_NUMBER: _ClassVar[int]
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
    break_glass_reason: str
    previous_hash: str
    hash: str
    def __init__(self, sequence: _Optional[int] = ..., actor_id: _Optional[str] = ..., actor_role: _Optional[str] = ..., action: _Optional[str] = ..., patient_id: _Optional[str] = ..., resource: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., client_address: _Optional[str] = ..., outcome: _Optional[_Union[AuditOutcome, str]] = ..., break_glass_reason: _Optional[str] = ..., previous_hash: _Optional[str] = ..., hash: _Optional[str] = ...) -> None: ...

class ListRecordAccessRequest(_message.Message):
    __slots__ = ("patient_id", "page")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    page: _paging_pb2.PageRequest
    def __init__(self, patient_id: _Optional[str] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class RecordAccess(_message.Message):
    __slots__ = ("actor_id", "actor_role", "action", "resource", "event_time", "outcome", "break_glass")
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ROLE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    BREAK_GLASS_FIELD_NUMBER: _ClassVar[int]
    actor_id: str
    actor_role: str
    action: str
    resource: str
    event_time: _timestamp_pb2.Timestamp
    outcome: AuditOutcome
    break_glass: bool
    def __init__(self, actor_id: _Optional[str] = ..., actor_role: _Optional[str] = ..., action: _Optional[str] = ..., resource: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., outcome: _Optional[_Union[AuditOutcome, str]] = ..., break_glass: _Optional[bool] = ...) -> None: ...

class ListRecordAccessResponse(_message.Message):
    __slots__ = ("accesses", "page")
    ACCESSES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    accesses: _containers.RepeatedCompositeFieldContainer[RecordAccess]
    page: _paging_pb2.PageResponse
    def __init__(self, accesses: _Optional[_Iterable[_Union[RecordAccess, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

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

class LinkAppointmentRequest(_message.Message):
    __slots__ = ("patient_id", "appointment_id", "doctor_id", "appointment_time", "stage")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_TIME_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    appointment_id: str
    doctor_id: str
    appointment_time: _timestamp_pb2.Timestamp
    stage: AppointmentStage
    def __init__(self, patient_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., doctor_id: _Optional[str] = ..., appointment_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stage: _Optional[_Union[AppointmentStage, str]] = ...) -> None: ...

class LinkAppointmentResponse(_message.Message):
    __slots__ = ("encounter_id", "status")
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    encounter_id: str
    status: EncounterStatus
    def __init__(self, encounter_id: _Optional[str] = ..., status: _Optional[_Union[EncounterStatus, str]] = ...) -> None: ...

class AddPrescriptionReferenceRequest(_message.Message):
    __slots__ = ("patient_id", "prescription_id", "encounter_id", "issue_time", "medications_summary")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PRESCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUE_TIME_FIELD_NUMBER: _ClassVar[int]
    MEDICATIONS_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    prescription_id: str
    encounter_id: str
    issue_time: _timestamp_pb2.Timestamp
    medications_summary: str
    def __init__(self, patient_id: _Optional[str] = ..., prescription_id: _Optional[str] = ..., encounter_id: _Optional[str] = ..., issue_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., medications_summary: _Optional[str] = ...) -> None: ...

class AddPrescriptionReferenceResponse(_message.Message):
    __slots__ = ("reference", "created")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    reference: PrescriptionReference
    created: bool
    def __init__(self, reference: _Optional[_Union[PrescriptionReference, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class AddLabResultReferenceRequest(_message.Message):
    __slots__ = ("patient_id", "lab_order_item_id", "encounter_id", "test_name", "result_time", "summary_status")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    LAB_ORDER_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    TEST_NAME_FIELD_NUMBER: _ClassVar[int]
    RESULT_TIME_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_STATUS_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    lab_order_item_id: str
    encounter_id: str
    test_name: str
    result_time: _timestamp_pb2.Timestamp
    summary_status: str
    def __init__(self, patient_id: _Optional[str] = ..., lab_order_item_id: _Optional[str] = ..., encounter_id: _Optional[str] = ..., test_name: _Optional[str] = ..., result_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., summary_status: _Optional[str] = ...) -> None: ...

class AddLabResultReferenceResponse(_message.Message):
    __slots__ = ("reference", "created")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    reference: LabResultReference
    created: bool
    def __init__(self, reference: _Optional[_Union[LabResultReference, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetPrescribingContextRequest(_message.Message):
    __slots__ = ("patient_id", "doctor_id", "encounter_id")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    doctor_id: str
    encounter_id: str
    def __init__(self, patient_id: _Optional[str] = ..., doctor_id: _Optional[str] = ..., encounter_id: _Optional[str] = ...) -> None: ...

class GetPrescribingContextResponse(_message.Message):
    __slots__ = ("care_relationship", "encounter_found", "allergies")
    CARE_RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_FOUND_FIELD_NUMBER: _ClassVar[int]
    ALLERGIES_FIELD_NUMBER: _ClassVar[int]
    care_relationship: bool
    encounter_found: bool
    allergies: _containers.RepeatedCompositeFieldContainer[Allergy]
    def __init__(self, care_relationship: _Optional[bool] = ..., encounter_found: _Optional[bool] = ..., allergies: _Optional[_Iterable[_Union[Allergy, _Mapping]]] = ...) -> None: ...
