"""The revrec command: every tenancy and setup command, with clear errors and non-zero exits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine

from cli_support import point_cli_at, run
from revrec.auth import passwords
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.tenancy import repository
from support import unique


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    point_cli_at(monkeypatch, settings)


def test_client_lifecycle(capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    name = unique("cli")
    assert run(capsys, "client", "create", name)[0] == 0
    code, _, err = run(capsys, "client", "create", name)
    assert code == 2 and f"client {name!r} already exists" in err
    code, out, _ = run(capsys, "client", "list")
    assert code == 0 and name in out
    assert run(capsys, "client", "disable-api", name)[0] == 0
    with transaction(engine) as conn:
        found = repository.find_client(conn, name)
        assert found is not None and not found.api_enabled
        assert [o["org_name"] for o in repository.list_orgs(conn, found.id)] == ["DEFAULT"]
        assert [b["primary_flag"] for b in repository.list_books(conn, found.id)] == [True]
    assert run(capsys, "client", "enable-api", name)[0] == 0
    code, _, err = run(capsys, "client", "enable-api", unique("missing"))
    assert code == 2 and "does not exist" in err
    code, _, err = run(capsys, "client", "create", "bad/name")
    assert code == 2 and "invalid client name" in err


def test_roles_users_orgs(capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    name = unique("cli")
    run(capsys, "client", "create", name)
    assert (
        run(capsys, "role", "create", "--client", name, "Readers", "--privilege", "Webservices Outbound")[0]
        == 0
    )
    code, _, err = run(capsys, "role", "create", "--client", name, "Bad", "--privilege", "Fly")
    assert code == 2 and "unknown privilege" in err
    code, out, _ = run(
        capsys, "user", "create", "--client", name, "alice", "--role", "Readers", stdin="s3cret-pass\n"
    )
    assert code == 0, out
    code, _, err = run(
        capsys, "user", "create", "--client", name, "bob", "--role", "Nope", stdin="s3cret-pass\n"
    )
    assert code == 2 and "role 'Nope' does not exist" in err
    code, _, err = run(
        capsys, "user", "create", "--client", name, "carol", "--role", "Readers", stdin="short\n"
    )
    assert code == 2 and "at least 8 characters" in err
    with transaction(engine) as conn:
        client = repository.find_client(conn, name)
        assert client is not None
        alice = repository.find_user(conn, client.id, "alice")
        assert alice is not None and alice.password_hash is not None
        assert alice.password_hash.startswith("$argon2id$") and "s3cret-pass" not in alice.password_hash
        assert passwords.verify_password(alice.password_hash, "s3cret-pass")
        version = alice.token_version
    assert run(capsys, "user", "set-password", "--client", name, "alice", stdin="n3w-passw0rd\n")[0] == 0
    assert run(capsys, "user", "disable", "--client", name, "alice")[0] == 0
    with transaction(engine) as conn:
        alice = repository.find_user(conn, client.id, "alice")
        assert alice is not None and not alice.enabled and alice.token_version == version + 2
        assert passwords.verify_password(alice.password_hash, "n3w-passw0rd")
    assert run(capsys, "org", "create", "--client", name, "2", "EMEA")[0] == 0
    code, _, err = run(capsys, "org", "create", "--client", name, "2", "EMEA")
    assert code == 2 and "already exists" in err


def test_setup_export_apply_dry_run_and_idempotence(
    capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path
) -> None:
    name = unique("cli")
    run(capsys, "client", "create", name)
    code, out, _ = run(capsys, "setup", "export", "--client", name)
    document = yaml.safe_load(out)
    assert document["client"] == name
    assert document["organizations"] == [{"org_id": 1, "org_name": "DEFAULT", "enabled": True}]
    assert {r["name"] for r in document["roles"]} >= {"API Role", "Administrator"}
    assert "password" not in out
    document["organizations"].append({"org_id": 5, "org_name": "APAC", "enabled": True})
    document["roles"].append({"name": "Auditors", "privileges": ["Webservices Outbound"], "orgs": [5]})
    document["users"] = [{"username": "auditor", "roles": ["Auditors"], "enabled": True}]
    path = tmp_path / "setup.yaml"
    path.write_text(yaml.safe_dump(document))
    code, out, _ = run(capsys, "setup", "apply", "--client", name, str(path), "--dry-run")
    assert code == 0 and "5 change(s) would change" in out and "APAC" in out
    with transaction(engine) as conn:
        client = repository.find_client(conn, name)
        assert client is not None
        assert len(repository.list_orgs(conn, client.id)) == 1
    code, out, _ = run(capsys, "setup", "apply", "--client", name, str(path))
    assert code == 0 and "changed" in out
    code, out, _ = run(capsys, "setup", "apply", "--client", name, str(path))
    assert code == 0 and "0 change(s) changed: already up to date" in out
    code, out, _ = run(capsys, "setup", "export", "--client", name, "--format", "json")
    exported = json.loads(out)
    assert exported["users"] == [{"username": "auditor", "roles": ["Auditors"], "enabled": True}]
    assert {"org_id": 5, "org_name": "APAC", "enabled": True} in exported["organizations"]


def test_setup_apply_reports_every_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    name = unique("cli")
    run(capsys, "client", "create", name)
    path = tmp_path / "bad.yaml"
    path.write_text(
        yaml.safe_dump(
            {"organisations": [], "books": [{"name": "B", "colour": "red"}], "roles": [{"name": "R"}]}
        )
    )
    code, _, err = run(capsys, "setup", "apply", "--client", name, str(path))
    assert code == 2
    assert "unknown section 'organisations'" in err
    assert "books.0.colour" in err
    assert "roles.0.privileges" in err


def test_console_script_exits_non_zero_on_bad_input(settings: Settings) -> None:
    env = {
        "REVREC_DATABASE_URL": settings.effective_database_url,
        "REVREC_SECRET_KEY": settings.secret_key,
        "PATH": "/usr/bin:/bin",
    }
    script = Path(sys.executable).parent / "revrec"
    result = subprocess.run(
        [str(script), "user", "disable", "--client", unique("missing"), "x"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    result = subprocess.run(
        [str(script), "client", "list"],
        env={"PATH": "/usr/bin:/bin", "REVREC_DATABASE_URL": "postgresql://x@localhost/y"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "REVREC_SECRET_KEY is required" in result.stderr
