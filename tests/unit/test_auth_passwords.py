"""revrec.auth.passwords: the dummy hash (verified against for an unknown user, so that timing does not tell
whether a user name exists) is computed at the first verification, whether the user exists or not, not at
import: every CLI command and worker used to pay an argon2 hash (~0.13 s, a 64 MiB peak) at start."""

from __future__ import annotations

import subprocess
import sys

import pytest

FIRST = {
    "unknown user": "p.verify_password(None, 'some password')",
    "known user": "p.verify_password(p.hash_password('right password'), 'right password')",
}


@pytest.mark.parametrize("first", sorted(FIRST))
def test_the_dummy_hash_is_made_at_the_first_verification_not_at_import(first: str) -> None:
    code = (
        "import revrec.auth.passwords as p\n"
        "print(p._dummy_hash.cache_info().currsize)\n"
        f"print({FIRST[first]})\n"
        "print(p._dummy_hash.cache_info().currsize)\n"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    expected = "False" if first == "unknown user" else "True"
    assert found.stdout.split() == ["0", expected, "1"]
