import datetime

from google.api import annotations_pb2 as _annotations_pb2
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

class InvoiceStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVOICE_STATUS_UNSPECIFIED: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_DRAFT: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_PENDING_PATIENT: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_PENDING_INSURANCE: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_PARTIALLY_PAID: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_PAID: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_OVERDUE: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_CANCELLED: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_WRITTEN_OFF: _ClassVar[InvoiceStatus]

class ItemType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ITEM_TYPE_UNSPECIFIED: _ClassVar[ItemType]
    ITEM_TYPE_CONSULTATION: _ClassVar[ItemType]
    ITEM_TYPE_MEDICATION: _ClassVar[ItemType]
    ITEM_TYPE_LAB_TEST: _ClassVar[ItemType]
    ITEM_TYPE_OTHER_SERVICE: _ClassVar[ItemType]

class SourceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOURCE_TYPE_UNSPECIFIED: _ClassVar[SourceType]
    SOURCE_TYPE_APPOINTMENT: _ClassVar[SourceType]
    SOURCE_TYPE_DISPENSE: _ClassVar[SourceType]
    SOURCE_TYPE_LAB_ORDER: _ClassVar[SourceType]
    SOURCE_TYPE_MANUAL: _ClassVar[SourceType]

class PaymentMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_METHOD_UNSPECIFIED: _ClassVar[PaymentMethod]
    PAYMENT_METHOD_CASH: _ClassVar[PaymentMethod]
    PAYMENT_METHOD_CREDIT_CARD: _ClassVar[PaymentMethod]
    PAYMENT_METHOD_BANK_TRANSFER: _ClassVar[PaymentMethod]
    PAYMENT_METHOD_INSURANCE_PAYOUT: _ClassVar[PaymentMethod]
    PAYMENT_METHOD_VOUCHER: _ClassVar[PaymentMethod]

class PaymentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_STATUS_UNSPECIFIED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_PENDING: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_SUCCESS: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_FAILED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_REFUNDED: _ClassVar[PaymentStatus]

class ClaimStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLAIM_STATUS_UNSPECIFIED: _ClassVar[ClaimStatus]
    CLAIM_STATUS_SUBMITTED: _ClassVar[ClaimStatus]
    CLAIM_STATUS_PROCESSING: _ClassVar[ClaimStatus]
    CLAIM_STATUS_AWAITING_DOCUMENTS: _ClassVar[ClaimStatus]
    CLAIM_STATUS_APPROVED: _ClassVar[ClaimStatus]
    CLAIM_STATUS_PARTIALLY_APPROVED: _ClassVar[ClaimStatus]
    CLAIM_STATUS_REJECTED: _ClassVar[ClaimStatus]
    CLAIM_STATUS_PAID_BY_INSURER: _ClassVar[ClaimStatus]
    CLAIM_STATUS_CLOSED: _ClassVar[ClaimStatus]

class RefundStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REFUND_STATUS_UNSPECIFIED: _ClassVar[RefundStatus]
    REFUND_STATUS_PENDING: _ClassVar[RefundStatus]
    REFUND_STATUS_SUCCEEDED: _ClassVar[RefundStatus]
    REFUND_STATUS_FAILED: _ClassVar[RefundStatus]

class PaymentProviderKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_PROVIDER_KIND_UNSPECIFIED: _ClassVar[PaymentProviderKind]
    PAYMENT_PROVIDER_KIND_TEST: _ClassVar[PaymentProviderKind]
    PAYMENT_PROVIDER_KIND_STRIPE: _ClassVar[PaymentProviderKind]
    PAYMENT_PROVIDER_KIND_VNPAY: _ClassVar[PaymentProviderKind]
INVOICE_STATUS_UNSPECIFIED: InvoiceStatus
INVOICE_STATUS_DRAFT: InvoiceStatus
INVOICE_STATUS_PENDING_PATIENT: InvoiceStatus
INVOICE_STATUS_PENDING_INSURANCE: InvoiceStatus
INVOICE_STATUS_PARTIALLY_PAID: InvoiceStatus
INVOICE_STATUS_PAID: InvoiceStatus
INVOICE_STATUS_OVERDUE: InvoiceStatus
INVOICE_STATUS_CANCELLED: InvoiceStatus
INVOICE_STATUS_WRITTEN_OFF: InvoiceStatus
ITEM_TYPE_UNSPECIFIED: ItemType
ITEM_TYPE_CONSULTATION: ItemType
ITEM_TYPE_MEDICATION: ItemType
ITEM_TYPE_LAB_TEST: ItemType
ITEM_TYPE_OTHER_SERVICE: ItemType
SOURCE_TYPE_UNSPECIFIED: SourceType
SOURCE_TYPE_APPOINTMENT: SourceType
SOURCE_TYPE_DISPENSE: SourceType
SOURCE_TYPE_LAB_ORDER: SourceType
SOURCE_TYPE_MANUAL: SourceType
PAYMENT_METHOD_UNSPECIFIED: PaymentMethod
PAYMENT_METHOD_CASH: PaymentMethod
PAYMENT_METHOD_CREDIT_CARD: PaymentMethod
PAYMENT_METHOD_BANK_TRANSFER: PaymentMethod
PAYMENT_METHOD_INSURANCE_PAYOUT: PaymentMethod
PAYMENT_METHOD_VOUCHER: PaymentMethod
PAYMENT_STATUS_UNSPECIFIED: PaymentStatus
PAYMENT_STATUS_PENDING: PaymentStatus
PAYMENT_STATUS_SUCCESS: PaymentStatus
PAYMENT_STATUS_FAILED: PaymentStatus
PAYMENT_STATUS_REFUNDED: PaymentStatus
CLAIM_STATUS_UNSPECIFIED: ClaimStatus
CLAIM_STATUS_SUBMITTED: ClaimStatus
CLAIM_STATUS_PROCESSING: ClaimStatus
CLAIM_STATUS_AWAITING_DOCUMENTS: ClaimStatus
CLAIM_STATUS_APPROVED: ClaimStatus
CLAIM_STATUS_PARTIALLY_APPROVED: ClaimStatus
CLAIM_STATUS_REJECTED: ClaimStatus
CLAIM_STATUS_PAID_BY_INSURER: ClaimStatus
CLAIM_STATUS_CLOSED: ClaimStatus
REFUND_STATUS_UNSPECIFIED: RefundStatus
REFUND_STATUS_PENDING: RefundStatus
REFUND_STATUS_SUCCEEDED: RefundStatus
REFUND_STATUS_FAILED: RefundStatus
PAYMENT_PROVIDER_KIND_UNSPECIFIED: PaymentProviderKind
PAYMENT_PROVIDER_KIND_TEST: PaymentProviderKind
PAYMENT_PROVIDER_KIND_STRIPE: PaymentProviderKind
PAYMENT_PROVIDER_KIND_VNPAY: PaymentProviderKind

class InvoiceItem(_message.Message):
    __slots__ = ("type", "description", "quantity", "unit_price", "total")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    type: ItemType
    description: str
    quantity: int
    unit_price: _money_pb2.Money
    total: _money_pb2.Money
    def __init__(self, type: _Optional[_Union[ItemType, str]] = ..., description: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class InvoiceItemInput(_message.Message):
    __slots__ = ("type", "description", "quantity", "unit_price_minor")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    type: ItemType
    description: str
    quantity: int
    unit_price_minor: int
    def __init__(self, type: _Optional[_Union[ItemType, str]] = ..., description: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_price_minor: _Optional[int] = ...) -> None: ...

class Invoice(_message.Message):
    __slots__ = ("id", "invoice_number", "patient_id", "issue_date", "due_date", "items", "subtotal", "discount", "tax", "total", "paid_by_patient", "paid_by_insurance", "balance", "status", "source_type", "source_id", "status_reason", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    SUBTOTAL_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    TAX_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    PAID_BY_PATIENT_FIELD_NUMBER: _ClassVar[int]
    PAID_BY_INSURANCE_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    invoice_number: str
    patient_id: str
    issue_date: _date_pb2.Date
    due_date: _date_pb2.Date
    items: _containers.RepeatedCompositeFieldContainer[InvoiceItem]
    subtotal: _money_pb2.Money
    discount: _money_pb2.Money
    tax: _money_pb2.Money
    total: _money_pb2.Money
    paid_by_patient: _money_pb2.Money
    paid_by_insurance: _money_pb2.Money
    balance: _money_pb2.Money
    status: InvoiceStatus
    source_type: SourceType
    source_id: str
    status_reason: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., invoice_number: _Optional[str] = ..., patient_id: _Optional[str] = ..., issue_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., items: _Optional[_Iterable[_Union[InvoiceItem, _Mapping]]] = ..., subtotal: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., discount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., tax: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., paid_by_patient: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., paid_by_insurance: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., balance: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., status: _Optional[_Union[InvoiceStatus, str]] = ..., source_type: _Optional[_Union[SourceType, str]] = ..., source_id: _Optional[str] = ..., status_reason: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Payment(_message.Message):
    __slots__ = ("id", "invoice_id", "patient_id", "amount", "method", "status", "transaction_id", "card_last4", "failure_reason", "create_time", "provider", "card_brand", "refunded")
    ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    CARD_LAST4_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    CARD_BRAND_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_FIELD_NUMBER: _ClassVar[int]
    id: str
    invoice_id: str
    patient_id: str
    amount: _money_pb2.Money
    method: PaymentMethod
    status: PaymentStatus
    transaction_id: str
    card_last4: str
    failure_reason: str
    create_time: _timestamp_pb2.Timestamp
    provider: str
    card_brand: str
    refunded: _money_pb2.Money
    def __init__(self, id: _Optional[str] = ..., invoice_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., method: _Optional[_Union[PaymentMethod, str]] = ..., status: _Optional[_Union[PaymentStatus, str]] = ..., transaction_id: _Optional[str] = ..., card_last4: _Optional[str] = ..., failure_reason: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., provider: _Optional[str] = ..., card_brand: _Optional[str] = ..., refunded: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class Refund(_message.Message):
    __slots__ = ("id", "payment_id", "invoice_id", "amount", "status", "reason", "provider_refund_id", "failure_reason", "created_by", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_REFUND_ID_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    payment_id: str
    invoice_id: str
    amount: _money_pb2.Money
    status: RefundStatus
    reason: str
    provider_refund_id: str
    failure_reason: str
    created_by: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., payment_id: _Optional[str] = ..., invoice_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., status: _Optional[_Union[RefundStatus, str]] = ..., reason: _Optional[str] = ..., provider_refund_id: _Optional[str] = ..., failure_reason: _Optional[str] = ..., created_by: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateInvoiceForAppointmentRequest(_message.Message):
    __slots__ = ("appointment_id", "patient_id", "doctor_id", "service_id", "service_name", "price")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    patient_id: str
    doctor_id: str
    service_id: str
    service_name: str
    price: _money_pb2.Money
    def __init__(self, appointment_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., doctor_id: _Optional[str] = ..., service_id: _Optional[str] = ..., service_name: _Optional[str] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class MedicationLine(_message.Message):
    __slots__ = ("medication_name", "quantity", "unit_price")
    MEDICATION_NAME_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    medication_name: str
    quantity: int
    unit_price: _money_pb2.Money
    def __init__(self, medication_name: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class CreateInvoiceForMedicationRequest(_message.Message):
    __slots__ = ("dispense_id", "patient_id", "items")
    DISPENSE_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    dispense_id: str
    patient_id: str
    items: _containers.RepeatedCompositeFieldContainer[MedicationLine]
    def __init__(self, dispense_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[MedicationLine, _Mapping]]] = ...) -> None: ...

class LabTestLine(_message.Message):
    __slots__ = ("test_name", "price")
    TEST_NAME_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    test_name: str
    price: _money_pb2.Money
    def __init__(self, test_name: _Optional[str] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class CreateInvoiceForLabOrderRequest(_message.Message):
    __slots__ = ("lab_order_id", "patient_id", "items")
    LAB_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    lab_order_id: str
    patient_id: str
    items: _containers.RepeatedCompositeFieldContainer[LabTestLine]
    def __init__(self, lab_order_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[LabTestLine, _Mapping]]] = ...) -> None: ...

class CreateInvoiceForAppointmentResponse(_message.Message):
    __slots__ = ("invoice", "created")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    created: bool
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class CreateInvoiceForMedicationResponse(_message.Message):
    __slots__ = ("invoice", "created")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    created: bool
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class CreateInvoiceForLabOrderResponse(_message.Message):
    __slots__ = ("invoice", "created")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    created: bool
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class ListPatientInvoicesRequest(_message.Message):
    __slots__ = ("patient_id", "page", "statuses")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    page: _paging_pb2.PageRequest
    statuses: _containers.RepeatedScalarFieldContainer[InvoiceStatus]
    def __init__(self, patient_id: _Optional[str] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ..., statuses: _Optional[_Iterable[_Union[InvoiceStatus, str]]] = ...) -> None: ...

class ListPatientInvoicesResponse(_message.Message):
    __slots__ = ("invoices", "page")
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    invoices: _containers.RepeatedCompositeFieldContainer[Invoice]
    page: _paging_pb2.PageResponse
    def __init__(self, invoices: _Optional[_Iterable[_Union[Invoice, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetInvoiceRequest(_message.Message):
    __slots__ = ("invoice_id",)
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    def __init__(self, invoice_id: _Optional[str] = ...) -> None: ...

class GetInvoiceResponse(_message.Message):
    __slots__ = ("invoice", "payments", "refunds")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    REFUNDS_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    payments: _containers.RepeatedCompositeFieldContainer[Payment]
    refunds: _containers.RepeatedCompositeFieldContainer[Refund]
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ..., payments: _Optional[_Iterable[_Union[Payment, _Mapping]]] = ..., refunds: _Optional[_Iterable[_Union[Refund, _Mapping]]] = ...) -> None: ...

class PayInvoiceRequest(_message.Message):
    __slots__ = ("invoice_id", "idempotency_key", "amount", "card_token")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CARD_TOKEN_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    idempotency_key: str
    amount: _money_pb2.Money
    card_token: str
    def __init__(self, invoice_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., card_token: _Optional[str] = ...) -> None: ...

class PayInvoiceResponse(_message.Message):
    __slots__ = ("payment", "invoice", "payer_action")
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    PAYER_ACTION_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    invoice: Invoice
    payer_action: PayerAction
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ..., invoice: _Optional[_Union[Invoice, _Mapping]] = ..., payer_action: _Optional[_Union[PayerAction, _Mapping]] = ...) -> None: ...

class PayerAction(_message.Message):
    __slots__ = ("stripe", "redirect_url")
    STRIPE_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URL_FIELD_NUMBER: _ClassVar[int]
    stripe: StripeConfirmation
    redirect_url: str
    def __init__(self, stripe: _Optional[_Union[StripeConfirmation, _Mapping]] = ..., redirect_url: _Optional[str] = ...) -> None: ...

class StripeConfirmation(_message.Message):
    __slots__ = ("client_secret", "publishable_key")
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    PUBLISHABLE_KEY_FIELD_NUMBER: _ClassVar[int]
    client_secret: str
    publishable_key: str
    def __init__(self, client_secret: _Optional[str] = ..., publishable_key: _Optional[str] = ...) -> None: ...

class InsurancePolicy(_message.Message):
    __slots__ = ("id", "patient_id", "provider_name", "policy_number", "member_id", "valid_from", "valid_to", "coverage_details", "active", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_NAME_FIELD_NUMBER: _ClassVar[int]
    POLICY_NUMBER_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_DETAILS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    patient_id: str
    provider_name: str
    policy_number: str
    member_id: str
    valid_from: _date_pb2.Date
    valid_to: _date_pb2.Date
    coverage_details: str
    active: bool
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., patient_id: _Optional[str] = ..., provider_name: _Optional[str] = ..., policy_number: _Optional[str] = ..., member_id: _Optional[str] = ..., valid_from: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., valid_to: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., coverage_details: _Optional[str] = ..., active: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListInsurancePoliciesRequest(_message.Message):
    __slots__ = ("patient_id",)
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    def __init__(self, patient_id: _Optional[str] = ...) -> None: ...

class ListInsurancePoliciesResponse(_message.Message):
    __slots__ = ("policies",)
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    policies: _containers.RepeatedCompositeFieldContainer[InsurancePolicy]
    def __init__(self, policies: _Optional[_Iterable[_Union[InsurancePolicy, _Mapping]]] = ...) -> None: ...

class CreateInsurancePolicyRequest(_message.Message):
    __slots__ = ("patient_id", "policy")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    policy: InsurancePolicy
    def __init__(self, patient_id: _Optional[str] = ..., policy: _Optional[_Union[InsurancePolicy, _Mapping]] = ...) -> None: ...

class CreateInsurancePolicyResponse(_message.Message):
    __slots__ = ("policy",)
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: InsurancePolicy
    def __init__(self, policy: _Optional[_Union[InsurancePolicy, _Mapping]] = ...) -> None: ...

class DeactivateInsurancePolicyRequest(_message.Message):
    __slots__ = ("patient_id", "policy_id")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    policy_id: str
    def __init__(self, patient_id: _Optional[str] = ..., policy_id: _Optional[str] = ...) -> None: ...

class DeactivateInsurancePolicyResponse(_message.Message):
    __slots__ = ("policy",)
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: InsurancePolicy
    def __init__(self, policy: _Optional[_Union[InsurancePolicy, _Mapping]] = ...) -> None: ...

class Claim(_message.Message):
    __slots__ = ("id", "claim_number", "invoice_id", "invoice_number", "policy_id", "patient_id", "provider_name", "policy_number", "claim_amount", "approved_amount", "rejected_amount", "status", "insurer_notes", "hospital_notes", "submit_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    CLAIM_NUMBER_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_NAME_FIELD_NUMBER: _ClassVar[int]
    POLICY_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CLAIM_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    APPROVED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INSURER_NOTES_FIELD_NUMBER: _ClassVar[int]
    HOSPITAL_NOTES_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    claim_number: str
    invoice_id: str
    invoice_number: str
    policy_id: str
    patient_id: str
    provider_name: str
    policy_number: str
    claim_amount: _money_pb2.Money
    approved_amount: _money_pb2.Money
    rejected_amount: _money_pb2.Money
    status: ClaimStatus
    insurer_notes: str
    hospital_notes: str
    submit_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., claim_number: _Optional[str] = ..., invoice_id: _Optional[str] = ..., invoice_number: _Optional[str] = ..., policy_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., provider_name: _Optional[str] = ..., policy_number: _Optional[str] = ..., claim_amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., approved_amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., rejected_amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., status: _Optional[_Union[ClaimStatus, str]] = ..., insurer_notes: _Optional[str] = ..., hospital_notes: _Optional[str] = ..., submit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubmitClaimRequest(_message.Message):
    __slots__ = ("invoice_id", "policy_id", "claim_amount", "hospital_notes")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIM_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    HOSPITAL_NOTES_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    policy_id: str
    claim_amount: _money_pb2.Money
    hospital_notes: str
    def __init__(self, invoice_id: _Optional[str] = ..., policy_id: _Optional[str] = ..., claim_amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., hospital_notes: _Optional[str] = ...) -> None: ...

class SubmitClaimResponse(_message.Message):
    __slots__ = ("claim",)
    CLAIM_FIELD_NUMBER: _ClassVar[int]
    claim: Claim
    def __init__(self, claim: _Optional[_Union[Claim, _Mapping]] = ...) -> None: ...

class SearchInvoicesRequest(_message.Message):
    __slots__ = ("page", "statuses", "patient_id", "source_type", "number_prefix")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_PREFIX_FIELD_NUMBER: _ClassVar[int]
    page: _paging_pb2.PageRequest
    statuses: _containers.RepeatedScalarFieldContainer[InvoiceStatus]
    patient_id: str
    source_type: SourceType
    number_prefix: str
    def __init__(self, page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ..., statuses: _Optional[_Iterable[_Union[InvoiceStatus, str]]] = ..., patient_id: _Optional[str] = ..., source_type: _Optional[_Union[SourceType, str]] = ..., number_prefix: _Optional[str] = ...) -> None: ...

class SearchInvoicesResponse(_message.Message):
    __slots__ = ("invoices", "page")
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    invoices: _containers.RepeatedCompositeFieldContainer[Invoice]
    page: _paging_pb2.PageResponse
    def __init__(self, invoices: _Optional[_Iterable[_Union[Invoice, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class CreateManualInvoiceRequest(_message.Message):
    __slots__ = ("patient_id", "items", "currency", "discount_minor", "due_in_days", "idempotency_key")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    DUE_IN_DAYS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    items: _containers.RepeatedCompositeFieldContainer[InvoiceItemInput]
    currency: str
    discount_minor: int
    due_in_days: int
    idempotency_key: str
    def __init__(self, patient_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[InvoiceItemInput, _Mapping]]] = ..., currency: _Optional[str] = ..., discount_minor: _Optional[int] = ..., due_in_days: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateManualInvoiceResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...

class ApplyDiscountRequest(_message.Message):
    __slots__ = ("invoice_id", "discount_minor")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    discount_minor: int
    def __init__(self, invoice_id: _Optional[str] = ..., discount_minor: _Optional[int] = ...) -> None: ...

class ApplyDiscountResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...

class RecordPaymentRequest(_message.Message):
    __slots__ = ("invoice_id", "idempotency_key", "amount", "method", "reference")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    idempotency_key: str
    amount: _money_pb2.Money
    method: PaymentMethod
    reference: str
    def __init__(self, invoice_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., method: _Optional[_Union[PaymentMethod, str]] = ..., reference: _Optional[str] = ...) -> None: ...

class RecordPaymentResponse(_message.Message):
    __slots__ = ("payment", "invoice")
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    invoice: Invoice
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ..., invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...

class RefundPaymentRequest(_message.Message):
    __slots__ = ("payment_id", "idempotency_key", "amount", "reason")
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    payment_id: str
    idempotency_key: str
    amount: _money_pb2.Money
    reason: str
    def __init__(self, payment_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class RefundPaymentResponse(_message.Message):
    __slots__ = ("refund", "payment", "invoice")
    REFUND_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    refund: Refund
    payment: Payment
    invoice: Invoice
    def __init__(self, refund: _Optional[_Union[Refund, _Mapping]] = ..., payment: _Optional[_Union[Payment, _Mapping]] = ..., invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...

class UpdateInvoiceRequest(_message.Message):
    __slots__ = ("invoice_id", "discount_minor", "payment")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    discount_minor: int
    payment: ManualPayment
    def __init__(self, invoice_id: _Optional[str] = ..., discount_minor: _Optional[int] = ..., payment: _Optional[_Union[ManualPayment, _Mapping]] = ...) -> None: ...

class ManualPayment(_message.Message):
    __slots__ = ("idempotency_key", "amount", "method", "reference")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    amount: _money_pb2.Money
    method: PaymentMethod
    reference: str
    def __init__(self, idempotency_key: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., method: _Optional[_Union[PaymentMethod, str]] = ..., reference: _Optional[str] = ...) -> None: ...

class UpdateInvoiceResponse(_message.Message):
    __slots__ = ("invoice", "payment")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    payment: Payment
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ..., payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class CancelInvoiceRequest(_message.Message):
    __slots__ = ("invoice_id", "reason")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    reason: str
    def __init__(self, invoice_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelInvoiceResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...

class WriteOffInvoiceRequest(_message.Message):
    __slots__ = ("invoice_id", "reason")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    reason: str
    def __init__(self, invoice_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class WriteOffInvoiceResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...

class ListClaimsRequest(_message.Message):
    __slots__ = ("page", "status")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    page: _paging_pb2.PageRequest
    status: ClaimStatus
    def __init__(self, page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ..., status: _Optional[_Union[ClaimStatus, str]] = ...) -> None: ...

class ListClaimsResponse(_message.Message):
    __slots__ = ("claims", "page")
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    claims: _containers.RepeatedCompositeFieldContainer[Claim]
    page: _paging_pb2.PageResponse
    def __init__(self, claims: _Optional[_Iterable[_Union[Claim, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class UpdateClaimStatusRequest(_message.Message):
    __slots__ = ("claim_id", "status", "approved_amount_minor", "notes")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    APPROVED_AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    status: ClaimStatus
    approved_amount_minor: int
    notes: str
    def __init__(self, claim_id: _Optional[str] = ..., status: _Optional[_Union[ClaimStatus, str]] = ..., approved_amount_minor: _Optional[int] = ..., notes: _Optional[str] = ...) -> None: ...

class UpdateClaimStatusResponse(_message.Message):
    __slots__ = ("claim",)
    CLAIM_FIELD_NUMBER: _ClassVar[int]
    claim: Claim
    def __init__(self, claim: _Optional[_Union[Claim, _Mapping]] = ...) -> None: ...

class ListPendingClaimsRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _paging_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListPendingClaimsResponse(_message.Message):
    __slots__ = ("claims", "page")
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    claims: _containers.RepeatedCompositeFieldContainer[Claim]
    page: _paging_pb2.PageResponse
    def __init__(self, claims: _Optional[_Iterable[_Union[Claim, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class ProcessClaimRequest(_message.Message):
    __slots__ = ("claim_id", "status", "approved_amount_minor", "notes")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    APPROVED_AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    status: ClaimStatus
    approved_amount_minor: int
    notes: str
    def __init__(self, claim_id: _Optional[str] = ..., status: _Optional[_Union[ClaimStatus, str]] = ..., approved_amount_minor: _Optional[int] = ..., notes: _Optional[str] = ...) -> None: ...

class ProcessClaimResponse(_message.Message):
    __slots__ = ("claim",)
    CLAIM_FIELD_NUMBER: _ClassVar[int]
    claim: Claim
    def __init__(self, claim: _Optional[_Union[Claim, _Mapping]] = ...) -> None: ...

class GetBillingStatsRequest(_message.Message):
    __slots__ = ("day_start_time", "week_start_time")
    DAY_START_TIME_FIELD_NUMBER: _ClassVar[int]
    WEEK_START_TIME_FIELD_NUMBER: _ClassVar[int]
    day_start_time: _timestamp_pb2.Timestamp
    week_start_time: _timestamp_pb2.Timestamp
    def __init__(self, day_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., week_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CurrencyAmount(_message.Message):
    __slots__ = ("currency", "amount", "count")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    currency: str
    amount: int
    count: int
    def __init__(self, currency: _Optional[str] = ..., amount: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class ClaimStatusCount(_message.Message):
    __slots__ = ("status", "count")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    status: ClaimStatus
    count: int
    def __init__(self, status: _Optional[_Union[ClaimStatus, str]] = ..., count: _Optional[int] = ...) -> None: ...

class BillingStats(_message.Message):
    __slots__ = ("revenue_today", "revenue_week", "outstanding", "overdue", "claims")
    REVENUE_TODAY_FIELD_NUMBER: _ClassVar[int]
    REVENUE_WEEK_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    revenue_today: _containers.RepeatedCompositeFieldContainer[CurrencyAmount]
    revenue_week: _containers.RepeatedCompositeFieldContainer[CurrencyAmount]
    outstanding: _containers.RepeatedCompositeFieldContainer[CurrencyAmount]
    overdue: _containers.RepeatedCompositeFieldContainer[CurrencyAmount]
    claims: _containers.RepeatedCompositeFieldContainer[ClaimStatusCount]
    def __init__(self, revenue_today: _Optional[_Iterable[_Union[CurrencyAmount, _Mapping]]] = ..., revenue_week: _Optional[_Iterable[_Union[CurrencyAmount, _Mapping]]] = ..., outstanding: _Optional[_Iterable[_Union[CurrencyAmount, _Mapping]]] = ..., overdue: _Optional[_Iterable[_Union[CurrencyAmount, _Mapping]]] = ..., claims: _Optional[_Iterable[_Union[ClaimStatusCount, _Mapping]]] = ...) -> None: ...

class GetBillingStatsResponse(_message.Message):
    __slots__ = ("stats",)
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: BillingStats
    def __init__(self, stats: _Optional[_Union[BillingStats, _Mapping]] = ...) -> None: ...

class ReceiveStripeEventRequest(_message.Message):
    __slots__ = ("signature", "payload")
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    signature: str
    payload: bytes
    def __init__(self, signature: _Optional[str] = ..., payload: _Optional[bytes] = ...) -> None: ...

class ReceiveStripeEventResponse(_message.Message):
    __slots__ = ("outcome",)
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    outcome: str
    def __init__(self, outcome: _Optional[str] = ...) -> None: ...

class ReceiveVnpayIpnRequest(_message.Message):
    __slots__ = ("query",)
    QUERY_FIELD_NUMBER: _ClassVar[int]
    query: str
    def __init__(self, query: _Optional[str] = ...) -> None: ...

class ReceiveVnpayIpnResponse(_message.Message):
    __slots__ = ("rsp_code", "message")
    RSP_CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    rsp_code: str
    message: str
    def __init__(self, rsp_code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class GetPaymentOptionsRequest(_message.Message):
    __slots__ = ("currency",)
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    currency: str
    def __init__(self, currency: _Optional[str] = ...) -> None: ...

class GetPaymentOptionsResponse(_message.Message):
    __slots__ = ("provider", "stripe")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    STRIPE_FIELD_NUMBER: _ClassVar[int]
    provider: PaymentProviderKind
    stripe: StripeOptions
    def __init__(self, provider: _Optional[_Union[PaymentProviderKind, str]] = ..., stripe: _Optional[_Union[StripeOptions, _Mapping]] = ...) -> None: ...

class StripeOptions(_message.Message):
    __slots__ = ("publishable_key", "js_url")
    PUBLISHABLE_KEY_FIELD_NUMBER: _ClassVar[int]
    JS_URL_FIELD_NUMBER: _ClassVar[int]
    publishable_key: str
    js_url: str
    def __init__(self, publishable_key: _Optional[str] = ..., js_url: _Optional[str] = ...) -> None: ...

class ConfirmVnpayReturnRequest(_message.Message):
    __slots__ = ("query",)
    QUERY_FIELD_NUMBER: _ClassVar[int]
    query: str
    def __init__(self, query: _Optional[str] = ...) -> None: ...

class ConfirmVnpayReturnResponse(_message.Message):
    __slots__ = ("payment", "invoice")
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    invoice: Invoice
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ..., invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...
