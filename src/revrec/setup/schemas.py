"""The setup document's core sections (pydantic models; unknown keys are refused)."""

from __future__ import annotations

from typing import Annotated, Literal

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Field

from revrec.db.types import MAX_INTEGER

OrgIdDoc = Annotated[int, Ge(1), Le(MAX_INTEGER)]  # organization ids are INTEGER columns


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrganizationDoc(Strict):
    org_id: OrgIdDoc
    org_name: str = Field(min_length=1, max_length=100)
    enabled: bool = True


class BookDoc(Strict):
    name: str = Field(min_length=1, max_length=100)
    type: str = "primary"
    primary: bool = False
    enabled: bool = True
    functional_currency: str = Field(default="USD", min_length=3, max_length=3)
    default_unbilled_ar_account: str | None = None
    default_billing_clearing_account: str | None = None


class RoleDoc(Strict):
    name: str = Field(min_length=1, max_length=100)
    privileges: list[str]
    orgs: list[OrgIdDoc] = Field(default_factory=list)


class UserDoc(Strict):
    username: str = Field(min_length=1, max_length=100)
    roles: list[str]
    enabled: bool = True


class DefaultTemplatesDoc(Strict):
    """Templates a request that names none uses (upload mapping; Data Collection)."""

    upload: str | None = Field(default=None, min_length=1, max_length=200)
    rc_grouping: str | None = Field(default=None, min_length=1, max_length=200)


class ClientSettingsDoc(Strict):
    api_enabled: bool = True
    reporting_currency: str = Field(default="USD", min_length=3, max_length=3)
    csv_injection_policy: Literal["BLOCK", "SANITIZE", "RAW"] = "BLOCK"
    default_templates: DefaultTemplatesDoc = Field(default_factory=DefaultTemplatesDoc)


class SetupApplied(BaseModel):
    """The answer of PUT_Setup: what changed (or would change, with ``dry_run``)."""

    model_config = ConfigDict(extra="allow")

    status: str
    dry_run: bool
    changes: list[str]
