from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.audit_action import AuditAction
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.audit_actor import AuditActor
    from ..models.audit_entry_details import AuditEntryDetails
    from ..models.audit_target import AuditTarget


T = TypeVar("T", bound="AuditEntry")


@_attrs_define
class AuditEntry:
    """One entry of the audit log.

    Attributes:
        action (AuditAction): Every audited action.
        actor (AuditActor): An actor as an entry shows it.
        at (datetime.datetime):
        details (AuditEntryDetails): What changed, by name (for example the settings fields a patch set); never message
            text or secrets.
        id (str): A UUIDv7; newer entries have greater ids.
        target (AuditTarget): A target as an entry shows it.
        tenant_id (str):
        ip (None | str | Unset): The address the request came from.
        request_id (None | str | Unset): The `X-Request-Id` of the request that made the change.
    """

    action: AuditAction
    actor: AuditActor
    at: datetime.datetime
    details: AuditEntryDetails
    id: str
    target: AuditTarget
    tenant_id: str
    ip: None | str | Unset = UNSET
    request_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        actor = self.actor.to_dict()

        at = self.at.isoformat()

        details = self.details.to_dict()

        id = self.id

        target = self.target.to_dict()

        tenant_id = self.tenant_id

        ip: None | str | Unset
        if isinstance(self.ip, Unset):
            ip = UNSET
        else:
            ip = self.ip

        request_id: None | str | Unset
        if isinstance(self.request_id, Unset):
            request_id = UNSET
        else:
            request_id = self.request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "actor": actor,
                "at": at,
                "details": details,
                "id": id,
                "target": target,
                "tenant_id": tenant_id,
            }
        )
        if ip is not UNSET:
            field_dict["ip"] = ip
        if request_id is not UNSET:
            field_dict["request_id"] = request_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.audit_actor import AuditActor
        from ..models.audit_entry_details import AuditEntryDetails
        from ..models.audit_target import AuditTarget

        d = dict(src_dict)
        action = AuditAction(d.pop("action"))

        actor = AuditActor.from_dict(d.pop("actor"))

        at = datetime.datetime.fromisoformat(d.pop("at"))

        details = AuditEntryDetails.from_dict(d.pop("details"))

        id = d.pop("id")

        target = AuditTarget.from_dict(d.pop("target"))

        tenant_id = d.pop("tenant_id")

        def _parse_ip(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ip = _parse_ip(d.pop("ip", UNSET))

        def _parse_request_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        request_id = _parse_request_id(d.pop("request_id", UNSET))

        audit_entry = cls(
            action=action,
            actor=actor,
            at=at,
            details=details,
            id=id,
            target=target,
            tenant_id=tenant_id,
            ip=ip,
            request_id=request_id,
        )

        audit_entry.additional_properties = d
        return audit_entry

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
