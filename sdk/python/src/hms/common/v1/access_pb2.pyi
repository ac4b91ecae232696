from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_PATIENT: _ClassVar[Role]
    ROLE_DOCTOR: _ClassVar[Role]
    ROLE_NURSE: _ClassVar[Role]
    ROLE_ADMIN: _ClassVar[Role]
    ROLE_PHARMACIST: _ClassVar[Role]
    ROLE_LAB_TECHNICIAN: _ClassVar[Role]
    ROLE_INSURANCE_PROVIDER: _ClassVar[Role]
    ROLE_SERVICE: _ClassVar[Role]

class Audience(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIENCE_UNSPECIFIED: _ClassVar[Audience]
    AUDIENCE_PUBLIC: _ClassVar[Audience]
    AUDIENCE_AUTHENTICATED: _ClassVar[Audience]
    AUDIENCE_INTERNAL: _ClassVar[Audience]
ROLE_UNSPECIFIED: Role
ROLE_PATIENT: Role
ROLE_DOCTOR: Role
ROLE_NURSE: Role
ROLE_ADMIN: Role
ROLE_PHARMACIST: Role
ROLE_LAB_TECHNICIAN: Role
ROLE_INSURANCE_PROVIDER: Role
ROLE_SERVICE: Role
AUDIENCE_UNSPECIFIED: Audience
AUDIENCE_PUBLIC: Audience
AUDIENCE_AUTHENTICATED: Audience
AUDIENCE_INTERNAL: Audience
ACCESS_FIELD_NUMBER: _ClassVar[int]
access: _descriptor.FieldDescriptor

class AccessPolicy(_message.Message):
    __slots__ = ("audience", "roles")
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    audience: Audience
    roles: _containers.RepeatedScalarFieldContainer[Role]
    def __init__(self, audience: _Optional[_Union[Audience, str]] = ..., roles: _Optional[_Iterable[_Union[Role, str]]] = ...) -> None: ...
