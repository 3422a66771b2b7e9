"""Memory stays bounded for every body: the peak growth of receiving an upload (pre-stage, storing, marking
it failed with its problems) stays under 100 MB for hostile bodies up to the 64 MiB body limit.

Measured with tracemalloc around ``uploads.receive`` (the body is already spooled to a file, as the HTTP
edge does); each case is refused, and each would grow the process by several times the limit without the
cap it exercises (line length, quoted-record length, header width, kept problems, shown values).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from inbound_data import TRANSACTION_LABELS
from revrec.auth.service import Principal
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.db.tables import upload
from revrec.inbound import uploads
from revrec.inbound.uploads import UploadLimits, UploadOutcome
from revrec.tenancy import repository as tenancy
from support import make_tenant, unique

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("app")]  # the app seeds the templates
MB = 1 << 20
HEADER = ",".join(TRANSACTION_LABELS) + "\n"


def _caller(engine: Engine) -> Principal:
    tenant = make_tenant(engine)
    with transaction(engine) as conn:
        client = tenancy.find_client(conn, tenant.client)
    assert client is not None
    return Principal(client.id, client.name, 0, tenant.user, 0, "API Role", frozenset(), "USD")


def _receive(
    engine: Engine, settings: Settings, tmp_path: Path, parts: Iterator[str]
) -> tuple[UploadOutcome, int]:
    """Receive the body made of ``parts``; the outcome and the peak memory growth in bytes."""
    path = tmp_path / "body.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.writelines(parts)
    assert path.stat().st_size <= settings.max_body_bytes
    caller = _caller(engine)
    with path.open("rb") as body:
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            outcome = uploads.receive(
                engine, caller=caller, template_name="Standard Transaction", file_name=unique("m") + ".csv",
                channel="file", body=body, limits=UploadLimits.from_settings(settings, "file"),
                injection_policy="BLOCK",
            )  # fmt: skip
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
    with transaction(engine) as conn:
        status = conn.execute(select(upload.c.status).where(upload.c.id == outcome.upload_id)).scalar_one()
    assert not outcome.ok and status == "Failed"
    return outcome, peak


def _repeat(make: Callable[[int], str], count: int) -> Iterator[str]:
    return (make(i) for i in range(count))


def test_a_header_of_a_million_unknown_labels(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    labels = (f"X{i:06d}," for i in range(1_000_000))  # 8 MB on one line
    outcome, peak = _receive(engine, settings, tmp_path, iter([*labels, "\n", "a\n"]))
    assert peak < 100 * MB, peak
    assert [p.code for p in outcome.problems] == ["RREV-03015"]


def test_a_header_just_under_the_line_limit_is_refused_by_its_width(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    labels = (f"X{i:05d}," for i in range(120_000))  # 0.8 MB: 120,000 unknown labels
    outcome, peak = _receive(engine, settings, tmp_path, iter([*labels, "\n", "a\n"]))
    assert peak < 30 * MB, peak  # the labels' split; no problem per label
    assert [p.code for p in outcome.problems] == ["RREV-03014"]


def test_sixty_megabytes_without_a_newline(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    outcome, peak = _receive(engine, settings, tmp_path, iter([HEADER, *(["x" * MB] * 60)]))
    assert peak < 100 * MB, peak
    assert [(p.row, p.code) for p in outcome.problems] == [(2, "RREV-03015")]


def test_a_quoted_record_of_sixty_megabytes_over_short_lines(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    fields = '"a\n",' * (MB // 5)  # one record: many quoted fields, each spanning two lines
    outcome, peak = _receive(engine, settings, tmp_path, iter([HEADER, *([fields] * 60)]))
    assert peak < 100 * MB, peak
    assert [(p.row, p.code) for p in outcome.problems] == [(2, "RREV-03015")]


def test_half_a_million_problems_are_counted_not_kept(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    bad = ["x" * 100 if label.endswith(("Prc", "Qty", "Date")) else "" for label in TRANSACTION_LABELS]
    row = ",".join(bad) + "\n"  # 13 bad cells of 100 characters: 1.4 kB
    outcome, peak = _receive(engine, settings, tmp_path, iter([HEADER, *([row] * 40_000)]))  # 56 MB
    assert peak < 100 * MB, peak
    assert outcome.problem_count == 40_000 * 13
    assert len(outcome.problems) == settings.max_upload_problems


def test_long_text_cells_are_shown_clipped(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    def row(i: int) -> str:
        cells = [""] * len(TRANSACTION_LABELS)
        cells[TRANSACTION_LABELS.index("Cstmr Nm")] = f"{i}" + "n" * 100_000
        return ",".join(cells) + "\n"

    outcome, peak = _receive(engine, settings, tmp_path, iter([HEADER, *_repeat(row, 600)]))  # 60 MB
    assert peak < 100 * MB, peak
    assert {p.code for p in outcome.problems} == {"RREV-03012"} and outcome.problem_count == 600
