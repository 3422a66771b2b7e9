"""Revenue policies are a section of the setup document: validated, canonical, idempotent."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from revrec.db.session import transaction
from revrec.errors import InvalidInput
from revrec.policies import service as policies
from revrec.setup import service as setup
from revrec.tenancy import service as tenancy
from support import make_tenant

pytestmark = pytest.mark.usefixtures("app")  # installs the setup sections

POB_DOC = {
    "pob_templates": [
        {"name": "Subscription", "release_event": "Upon Booking", "ratable_method": "Ratable",
         "accounting_method": "daily"},
    ],
    "auto_pob_template": "Subscription",
}  # fmt: skip


def test_policies_export_apply_round_trip(engine: Engine) -> None:
    tenant = make_tenant(engine)
    with transaction(engine) as conn:
        exported = setup.export_setup(conn, client_name=tenant.client)["policies"]
        assert "reporting_currency" not in exported
        assert exported["rc_grouping_templates"][0]["rules"][0]["group_by"] == ["CUST_NUM", "SO_NUM"]
        changes = setup.apply_setup(conn, client_name=tenant.client, document={"policies": POB_DOC})
        assert changes == ["policies: auto_pob_template, pob_templates"]
        assert setup.apply_setup(conn, client_name=tenant.client, document={"policies": POB_DOC}) == []
        client = tenancy.require_client(conn, tenant.client)
        engine_policies = policies.policies_for(conn, client)
        assert engine_policies.reporting_currency == "USD"
        assert [t.name for t in engine_policies.pob_templates] == ["Subscription"]


def test_bad_policies_are_refused_with_the_path(engine: Engine) -> None:
    tenant = make_tenant(engine)
    bad = {"pob_templates": [{"name": "X", "release_event": "Upon Booking", "ratable_method": "Whenever"}]}
    with transaction(engine) as conn, pytest.raises(InvalidInput, match=r"policies\.pob_templates\[0\]"):
        setup.apply_setup(conn, client_name=tenant.client, document={"policies": bad})
    with transaction(engine) as conn, pytest.raises(InvalidInput, match="settings.reporting_currency"):
        setup.apply_setup(
            conn, client_name=tenant.client, document={"policies": {"reporting_currency": "EUR"}}
        )
