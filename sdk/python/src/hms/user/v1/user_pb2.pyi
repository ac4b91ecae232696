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

class Gender(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GENDER_UNSPECIFIED: _ClassVar[Gender]
    GENDER_MALE: _ClassVar[Gender]
    GENDER_FEMALE: _ClassVar[Gender]
    GENDER_OTHER: _ClassVar[Gender]

class AuthEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTH_EVENT_KIND_UNSPECIFIED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_REGISTERED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_LOGIN_SUCCEEDED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_LOGIN_FAILED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_LOGIN_THROTTLED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_TOKEN_REFRESHED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_REFRESH_REUSE_DETECTED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_LOGGED_OUT: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_PASSWORD_CHANGED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_PASSWORD_RESET_REQUESTED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_PASSWORD_RESET_COMPLETED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_USER_CREATED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_USER_ACTIVATED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_USER_DEACTIVATED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_ROLE_CHANGED: _ClassVar[AuthEventKind]
GENDER_UNSPECIFIED: Gender
GENDER_MALE: Gender
GENDER_FEMALE: Gender
GENDER_OTHER: Gender
AUTH_EVENT_KIND_UNSPECIFIED: AuthEventKind
AUTH_EVENT_KIND_REGISTERED: AuthEventKind
AUTH_EVENT_KIND_LOGIN_SUCCEEDED: AuthEventKind
AUTH_EVENT_KIND_LOGIN_FAILED: AuthEventKind
AUTH_EVENT_KIND_LOGIN_THROTTLED: AuthEventKind
AUTH_EVENT_KIND_TOKEN_REFRESHED: AuthEventKind
AUTH_EVENT_KIND_REFRESH_REUSE_DETECTED: AuthEventKind
AUTH_EVENT_KIND_LOGGED_OUT: AuthEventKind
AUTH_EVENT_KIND_PASSWORD_CHANGED: AuthEventKind
AUTH_EVENT_KIND_PASSWORD_RESET_REQUESTED: AuthEventKind
AUTH_EVENT_KIND_PASSWORD_RESET_COMPLETED: AuthEventKind
AUTH_EVENT_KIND_USER_CREATED: AuthEventKind
AUTH_EVENT_KIND_USER_ACTIVATED: AuthEventKind
AUTH_EVENT_KIND_USER_DEACTIVATED: AuthEventKind
AUTH_EVENT_KIND_ROLE_CHANGED: AuthEventKind

class User(_message.Message):
    __slots__ = ("id", "username", "email", "phone_number", "first_name", "last_name", "role", "is_active", "is_staff", "date_joined", "profile_picture_url", "preferred_language", "profile")
    ID_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    IS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    IS_STAFF_FIELD_NUMBER: _ClassVar[int]
    DATE_JOINED_FIELD_NUMBER: _ClassVar[int]
    PROFILE_PICTURE_URL_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    id: str
    username: str
    email: str
    phone_number: str
    first_name: str
    last_name: str
    role: _access_pb2.Role
    is_active: bool
    is_staff: bool
    date_joined: _timestamp_pb2.Timestamp
    profile_picture_url: str
    preferred_language: str
    profile: Profile
    def __init__(self, id: _Optional[str] = ..., username: _Optional[str] = ..., email: _Optional[str] = ..., phone_number: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., role: _Optional[_Union[_access_pb2.Role, str]] = ..., is_active: _Optional[bool] = ..., is_staff: _Optional[bool] = ..., date_joined: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., profile_picture_url: _Optional[str] = ..., preferred_language: _Optional[str] = ..., profile: _Optional[_Union[Profile, _Mapping]] = ...) -> None: ...

class Profile(_message.Message):
    __slots__ = ("patient", "doctor", "staff", "insurance_provider")
    PATIENT_FIELD_NUMBER: _ClassVar[int]
    DOCTOR_FIELD_NUMBER: _ClassVar[int]
    STAFF_FIELD_NUMBER: _ClassVar[int]
    INSURANCE_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    patient: PatientProfile
    doctor: DoctorProfile
    staff: StaffProfile
    insurance_provider: InsuranceProviderProfile
    def __init__(self, patient: _Optional[_Union[PatientProfile, _Mapping]] = ..., doctor: _Optional[_Union[DoctorProfile, _Mapping]] = ..., staff: _Optional[_Union[StaffProfile, _Mapping]] = ..., insurance_provider: _Optional[_Union[InsuranceProviderProfile, _Mapping]] = ...) -> None: ...

class PatientProfile(_message.Message):
    __slots__ = ("date_of_birth", "gender", "address", "emergency_contact", "blood_type", "national_id", "insurance_number")
    DATE_OF_BIRTH_FIELD_NUMBER: _ClassVar[int]
    GENDER_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    EMERGENCY_CONTACT_FIELD_NUMBER: _ClassVar[int]
    BLOOD_TYPE_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    INSURANCE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    date_of_birth: _date_pb2.Date
    gender: Gender
    address: str
    emergency_contact: EmergencyContact
    blood_type: str
    national_id: str
    insurance_number: str
    def __init__(self, date_of_birth: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., gender: _Optional[_Union[Gender, str]] = ..., address: _Optional[str] = ..., emergency_contact: _Optional[_Union[EmergencyContact, _Mapping]] = ..., blood_type: _Optional[str] = ..., national_id: _Optional[str] = ..., insurance_number: _Optional[str] = ...) -> None: ...

class EmergencyContact(_message.Message):
    __slots__ = ("name", "phone_number", "relationship")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    name: str
    phone_number: str
    relationship: str
    def __init__(self, name: _Optional[str] = ..., phone_number: _Optional[str] = ..., relationship: _Optional[str] = ...) -> None: ...

class DoctorProfile(_message.Message):
    __slots__ = ("specialty", "license_number", "years_of_experience", "bio", "consultation_room")
    SPECIALTY_FIELD_NUMBER: _ClassVar[int]
    LICENSE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    YEARS_OF_EXPERIENCE_FIELD_NUMBER: _ClassVar[int]
    BIO_FIELD_NUMBER: _ClassVar[int]
    CONSULTATION_ROOM_FIELD_NUMBER: _ClassVar[int]
    specialty: str
    license_number: str
    years_of_experience: int
    bio: str
    consultation_room: str
    def __init__(self, specialty: _Optional[str] = ..., license_number: _Optional[str] = ..., years_of_experience: _Optional[int] = ..., bio: _Optional[str] = ..., consultation_room: _Optional[str] = ...) -> None: ...

class StaffProfile(_message.Message):
    __slots__ = ("license_number", "department")
    LICENSE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    license_number: str
    department: str
    def __init__(self, license_number: _Optional[str] = ..., department: _Optional[str] = ...) -> None: ...

class InsuranceProviderProfile(_message.Message):
    __slots__ = ("company_name", "contact_email", "contact_phone")
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_EMAIL_FIELD_NUMBER: _ClassVar[int]
    CONTACT_PHONE_FIELD_NUMBER: _ClassVar[int]
    company_name: str
    contact_email: str
    contact_phone: str
    def __init__(self, company_name: _Optional[str] = ..., contact_email: _Optional[str] = ..., contact_phone: _Optional[str] = ...) -> None: ...

class TokenPair(_message.Message):
    __slots__ = ("access_token", "access_token_expire_time", "refresh_token", "refresh_token_expire_time")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    access_token_expire_time: _timestamp_pb2.Timestamp
    refresh_token: str
    refresh_token_expire_time: _timestamp_pb2.Timestamp
    def __init__(self, access_token: _Optional[str] = ..., access_token_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., refresh_token: _Optional[str] = ..., refresh_token_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RegisterRequest(_message.Message):
    __slots__ = ("username", "password", "email", "phone_number", "first_name", "last_name", "preferred_language", "patient_profile")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    PATIENT_PROFILE_FIELD_NUMBER: _ClassVar[int]
    username: str
    password: str
    email: str
    phone_number: str
    first_name: str
    last_name: str
    preferred_language: str
    patient_profile: PatientProfile
    def __init__(self, username: _Optional[str] = ..., password: _Optional[str] = ..., email: _Optional[str] = ..., phone_number: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., preferred_language: _Optional[str] = ..., patient_profile: _Optional[_Union[PatientProfile, _Mapping]] = ...) -> None: ...

class RegisterResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class LoginRequest(_message.Message):
    __slots__ = ("username", "password")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    username: str
    password: str
    def __init__(self, username: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class LoginResponse(_message.Message):
    __slots__ = ("tokens", "user")
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    tokens: TokenPair
    user: User
    def __init__(self, tokens: _Optional[_Union[TokenPair, _Mapping]] = ..., user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class RefreshTokenRequest(_message.Message):
    __slots__ = ("refresh_token",)
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    refresh_token: str
    def __init__(self, refresh_token: _Optional[str] = ...) -> None: ...

class RefreshTokenResponse(_message.Message):
    __slots__ = ("tokens",)
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    tokens: TokenPair
    def __init__(self, tokens: _Optional[_Union[TokenPair, _Mapping]] = ...) -> None: ...

class LogoutRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LogoutResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetMeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetMeResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class UpdateMeRequest(_message.Message):
    __slots__ = ("email", "phone_number", "first_name", "last_name", "profile_picture_url", "preferred_language", "profile")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    PROFILE_PICTURE_URL_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    email: str
    phone_number: str
    first_name: str
    last_name: str
    profile_picture_url: str
    preferred_language: str
    profile: Profile
    def __init__(self, email: _Optional[str] = ..., phone_number: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., profile_picture_url: _Optional[str] = ..., preferred_language: _Optional[str] = ..., profile: _Optional[_Union[Profile, _Mapping]] = ...) -> None: ...

class UpdateMeResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class ChangePasswordRequest(_message.Message):
    __slots__ = ("current_password", "new_password")
    CURRENT_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    NEW_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    current_password: str
    new_password: str
    def __init__(self, current_password: _Optional[str] = ..., new_password: _Optional[str] = ...) -> None: ...

class ChangePasswordResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RequestPasswordResetRequest(_message.Message):
    __slots__ = ("email",)
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    email: str
    def __init__(self, email: _Optional[str] = ...) -> None: ...

class RequestPasswordResetResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ConfirmPasswordResetRequest(_message.Message):
    __slots__ = ("token", "new_password")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    NEW_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    token: str
    new_password: str
    def __init__(self, token: _Optional[str] = ..., new_password: _Optional[str] = ...) -> None: ...

class ConfirmPasswordResetResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetSigningKeysRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SigningKey(_message.Message):
    __slots__ = ("kid", "kty", "crv", "x", "alg")
    KID_FIELD_NUMBER: _ClassVar[int]
    KTY_FIELD_NUMBER: _ClassVar[int]
    CRV_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    ALG_FIELD_NUMBER: _ClassVar[int]
    kid: str
    kty: str
    crv: str
    x: str
    alg: str
    def __init__(self, kid: _Optional[str] = ..., kty: _Optional[str] = ..., crv: _Optional[str] = ..., x: _Optional[str] = ..., alg: _Optional[str] = ...) -> None: ...

class GetSigningKeysResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[SigningKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[SigningKey, _Mapping]]] = ...) -> None: ...

class WatchRevocationsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WatchRevocationsResponse(_message.Message):
    __slots__ = ("sessions", "caught_up")
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    CAUGHT_UP_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[RevokedSession]
    caught_up: bool
    def __init__(self, sessions: _Optional[_Iterable[_Union[RevokedSession, _Mapping]]] = ..., caught_up: _Optional[bool] = ...) -> None: ...

class RevokedSession(_message.Message):
    __slots__ = ("session_digest", "expire_time")
    SESSION_DIGEST_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    session_digest: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, session_digest: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListUsersRequest(_message.Message):
    __slots__ = ("page", "role", "query")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    page: _paging_pb2.PageRequest
    role: _access_pb2.Role
    query: str
    def __init__(self, page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ..., role: _Optional[_Union[_access_pb2.Role, str]] = ..., query: _Optional[str] = ...) -> None: ...

class ListUsersResponse(_message.Message):
    __slots__ = ("users", "page")
    USERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[User]
    page: _paging_pb2.PageResponse
    def __init__(self, users: _Optional[_Iterable[_Union[User, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class GetUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class CreateUserRequest(_message.Message):
    __slots__ = ("username", "password", "email", "role", "phone_number", "first_name", "last_name", "preferred_language", "profile")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    username: str
    password: str
    email: str
    role: _access_pb2.Role
    phone_number: str
    first_name: str
    last_name: str
    preferred_language: str
    profile: Profile
    def __init__(self, username: _Optional[str] = ..., password: _Optional[str] = ..., email: _Optional[str] = ..., role: _Optional[_Union[_access_pb2.Role, str]] = ..., phone_number: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., preferred_language: _Optional[str] = ..., profile: _Optional[_Union[Profile, _Mapping]] = ...) -> None: ...

class CreateUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class SetUserActiveRequest(_message.Message):
    __slots__ = ("user_id", "active")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    active: bool
    def __init__(self, user_id: _Optional[str] = ..., active: _Optional[bool] = ...) -> None: ...

class SetUserActiveResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class ChangeUserRoleRequest(_message.Message):
    __slots__ = ("user_id", "role")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    role: _access_pb2.Role
    def __init__(self, user_id: _Optional[str] = ..., role: _Optional[_Union[_access_pb2.Role, str]] = ...) -> None: ...

class ChangeUserRoleResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class AuthEvent(_message.Message):
    __slots__ = ("id", "kind", "user_id", "actor_id", "client_address", "success", "detail", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: AuthEventKind
    user_id: str
    actor_id: str
    client_address: str
    success: bool
    detail: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[AuthEventKind, str]] = ..., user_id: _Optional[str] = ..., actor_id: _Optional[str] = ..., client_address: _Optional[str] = ..., success: _Optional[bool] = ..., detail: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAuthEventsRequest(_message.Message):
    __slots__ = ("page", "user_id", "kind")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    page: _paging_pb2.PageRequest
    user_id: str
    kind: AuthEventKind
    def __init__(self, page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ..., user_id: _Optional[str] = ..., kind: _Optional[_Union[AuthEventKind, str]] = ...) -> None: ...

class ListAuthEventsResponse(_message.Message):
    __slots__ = ("events", "page")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[AuthEvent]
    page: _paging_pb2.PageResponse
    def __init__(self, events: _Optional[_Iterable[_Union[AuthEvent, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class VerifyTokenRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class VerifyTokenResponse(_message.Message):
    __slots__ = ("user_id", "role", "session_id", "expire_time")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    role: _access_pb2.Role
    session_id: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., role: _Optional[_Union[_access_pb2.Role, str]] = ..., session_id: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetContactInfoRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class GetContactInfoResponse(_message.Message):
    __slots__ = ("user_id", "email", "phone_number", "preferred_language", "display_name", "is_active")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    IS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    email: str
    phone_number: str
    preferred_language: str
    display_name: str
    is_active: bool
    def __init__(self, user_id: _Optional[str] = ..., email: _Optional[str] = ..., phone_number: _Optional[str] = ..., preferred_language: _Optional[str] = ..., display_name: _Optional[str] = ..., is_active: _Optional[bool] = ...) -> None: ...

class GetPatientDemographicsRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class GetPatientDemographicsResponse(_message.Message):
    __slots__ = ("user_id", "display_name", "date_of_birth", "gender")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_BIRTH_FIELD_NUMBER: _ClassVar[int]
    GENDER_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    display_name: str
    date_of_birth: _date_pb2.Date
    gender: Gender
    def __init__(self, user_id: _Optional[str] = ..., display_name: _Optional[str] = ..., date_of_birth: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., gender: _Optional[_Union[Gender, str]] = ...) -> None: ...

class ListStaffIdsRequest(_message.Message):
    __slots__ = ("role",)
    ROLE_FIELD_NUMBER: _ClassVar[int]
    role: _access_pb2.Role
    def __init__(self, role: _Optional[_Union[_access_pb2.Role, str]] = ...) -> None: ...

class ListStaffIdsResponse(_message.Message):
    __slots__ = ("user_ids",)
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetDisplayNamesRequest(_message.Message):
    __slots__ = ("user_ids",)
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetDisplayNamesResponse(_message.Message):
    __slots__ = ("display_names",)
    class DisplayNamesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DISPLAY_NAMES_FIELD_NUMBER: _ClassVar[int]
    display_names: _containers.ScalarMap[str, str]
    def __init__(self, display_names: _Optional[_Mapping[str, str]] = ...) -> None: ...

class BatchGetContactInfoRequest(_message.Message):
    __slots__ = ("user_ids",)
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ContactInfo(_message.Message):
    __slots__ = ("user_id", "email", "phone_number", "preferred_language", "display_name", "is_active")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    IS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    email: str
    phone_number: str
    preferred_language: str
    display_name: str
    is_active: bool
    def __init__(self, user_id: _Optional[str] = ..., email: _Optional[str] = ..., phone_number: _Optional[str] = ..., preferred_language: _Optional[str] = ..., display_name: _Optional[str] = ..., is_active: _Optional[bool] = ...) -> None: ...

class BatchGetContactInfoResponse(_message.Message):
    __slots__ = ("contacts",)
    class ContactsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ContactInfo
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ContactInfo, _Mapping]] = ...) -> None: ...
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    contacts: _containers.MessageMap[str, ContactInfo]
    def __init__(self, contacts: _Optional[_Mapping[str, ContactInfo]] = ...) -> None: ...

class GetUserStatsRequest(_message.Message):
    __slots__ = ("day_start_time", "week_start_time")
    DAY_START_TIME_FIELD_NUMBER: _ClassVar[int]
    WEEK_START_TIME_FIELD_NUMBER: _ClassVar[int]
    day_start_time: _timestamp_pb2.Timestamp
    week_start_time: _timestamp_pb2.Timestamp
    def __init__(self, day_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., week_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UserStats(_message.Message):
    __slots__ = ("new_patients_today", "new_patients_week")
    NEW_PATIENTS_TODAY_FIELD_NUMBER: _ClassVar[int]
    NEW_PATIENTS_WEEK_FIELD_NUMBER: _ClassVar[int]
    new_patients_today: int
    new_patients_week: int
    def __init__(self, new_patients_today: _Optional[int] = ..., new_patients_week: _Optional[int] = ...) -> None: ...

class GetUserStatsResponse(_message.Message):
    __slots__ = ("stats",)
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: UserStats
    def __init__(self, stats: _Optional[_Union[UserStats, _Mapping]] = ...) -> None: ...
