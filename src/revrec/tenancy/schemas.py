"""The documented answer of GET_RevenueOrgDetails."""

from __future__ import annotations

from revrec.http.schemas import Answer


class Org(Answer):
    org_id: int
    org_name: str


class OrgList(Answer):
    data: list[Org]
