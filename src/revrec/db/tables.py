"""Table definitions (SQLAlchemy Core). The schema itself is created only by Alembic migrations;
tests/integration/test_migrations.py checks that the migrations and these definitions agree.

Every business row carries ``client_id``: tenancy is enforced in each repository's WHERE clause.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    literal_column,
    text,
)
from sqlalchemy.sql.elements import ColumnElement

from revrec.db.stage_columns import (
    BUNDLE_COLUMNS,
    COST_LINE_COLUMNS,
    EVENT_COLUMNS,
    LINE_COLUMNS,
    MJE_COLUMNS,
    VC_COLUMNS,
    sql_name,
)
from revrec.db.types import Money, Rate

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

#: The high-volume tables under a contract (written for every collected line and every journal generation)
#: reference it by ``(client_id, rc_id)`` (migration 0035): one foreign-key check a row instead of one for
#: the client and one for the contract, and the database itself refuses a row whose contract belongs to
#: another client. Deleting the client still removes them (through the contract's cascade).
CONTRACT_CHILD_TABLES = ("rc_line", "rc_pob", "rc_bill", "rc_schedule", "journal_entry")


def _of_contract() -> ForeignKeyConstraint:
    """The row's contract, of the same client (unique index ix_revenue_contract_client_id)."""
    return ForeignKeyConstraint(
        ["client_id", "rc_id"], ["revenue_contract.client_id", "revenue_contract.id"], ondelete="CASCADE"
    )


client = Table(
    "client",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("api_enabled", Boolean, nullable=False),
    Column("csv_injection_policy", String(10), nullable=False),
    Column("reporting_currency", String(3), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

org = Table(
    "org",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("org_id", Integer, nullable=False),
    Column("org_name", String(100), nullable=False),
    Column("enabled", Boolean, nullable=False),
    UniqueConstraint("client_id", "org_id", name="uq_org_client_org"),
)

book = Table(
    "book",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("book_type", String(30), nullable=False),
    Column("primary_flag", Boolean, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("functional_currency", String(3), nullable=False),
    Column("default_unbilled_ar_account", String(200), nullable=True),
    Column("default_billing_clearing_account", String(200), nullable=True),
    UniqueConstraint("client_id", "name", name="uq_book_client_name"),
    # the target of journal_entry's (client_id, book_id) foreign key (migration 0035)
    Index("uq_book_client_id", "client_id", "id", unique=True),
)

role = Table(
    "role",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    UniqueConstraint("client_id", "name", name="uq_role_client_name"),
)

role_privilege = Table(
    "role_privilege",
    metadata,
    Column("role_id", Integer, ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
    Column("privilege", String(50), primary_key=True),
)

# Orgs a role may use; a role with no rows here may use every org of its client.
role_org = Table(
    "role_org",
    metadata,
    Column("role_id", Integer, ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, primary_key=True),
)

app_user = Table(
    "app_user",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("username", String(100), nullable=False),
    Column("password_hash", Text, nullable=True),
    Column("enabled", Boolean, nullable=False),
    Column("token_version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("client_id", "username", name="uq_app_user_client_username"),
)

user_role = Table(
    "user_role",
    metadata,
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", Integer, ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
)

# Authentication throttle counters per (client, user) and per (client, address), keyed by a digest;
# shared by all API processes (revrec.auth.throttle).
auth_failure = Table(
    "auth_failure",
    metadata,
    Column("key", String(250), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_start", BigInteger, nullable=False),
    Column("locked_until", BigInteger, nullable=False),
    Index("ix_auth_failure_window_start", "window_start"),
)


# --- inbound (migration 0002) --------------------------------------------------------------------------


#: Characters a text staging column holds (pre-stage refuses a longer cell, on every database).
STAGE_TEXT_LENGTH = 300


def stage_column(col_name: str, kind: str) -> Column:  # type: ignore[type-arg]
    """The SQL column of a staging column by its storage kind (see revrec.db.stage_columns)."""
    types: dict[str, Any] = {"C": String(STAGE_TEXT_LENGTH), "N": Money(), "R": Rate(), "D": Date()}
    return Column(sql_name(col_name), types[kind], nullable=True)


upload_template = Table(
    "upload_template",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("date_format", String(20), nullable=False),
    Column("field_separator", String(1), nullable=False),
    Column("start_row", Integer, nullable=False),
    Column("description", String(500), nullable=True),
    UniqueConstraint("client_id", "name", name="uq_upload_template_client_name"),
)

upload_template_field = Table(
    "upload_template_field",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("template_id", Integer, ForeignKey("upload_template.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("label", String(200), nullable=False),
    Column("col_name", String(100), nullable=False),
    Column("data_type", String(20), nullable=False),
    Column("required", Boolean, nullable=False),
    UniqueConstraint("template_id", "seq", name="uq_upload_template_field_template_seq"),
)

# One upload request. ``active_name`` holds the file name while the upload counts (NULL once it failed), so
# that a name is unique per client and template among uploads that stored data, and a failed upload's
# name can be sent again. ``receiver`` names the process receiving it (host|pid|start, migration 0010), so
# that an upload whose process died is failed at once (revrec.inbound.receivers).
upload = Table(
    "upload",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("template_id", Integer, ForeignKey("upload_template.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("file_name", String(300), nullable=False),
    Column("active_name", String(300), nullable=True),
    Column("channel", String(10), nullable=False),
    Column("status", String(30), nullable=False),
    Column("message", String(300), nullable=False),
    Column("data_lines", Integer, nullable=False),
    Column("error_lines", Integer, nullable=False),
    Column("problems", Text, nullable=True),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("receiver", String(300), nullable=True),
    UniqueConstraint("client_id", "template_id", "active_name", name="uq_upload_client_template_name"),
    Index("ix_upload_status", "status"),
    # since migration 0036, the target of the staging tables' (client_id, upload_id) foreign keys
    Index("uq_upload_client_id", "client_id", "id", unique=True),
)


def _staging_table(name: str, columns: tuple[tuple[str, str], ...], *, flag_index: bool = True) -> Table:
    """A staging table; ``flag_index=False`` leaves out (client_id, processed_flag), for a table that has a
    longer index starting with those columns (stage_line: ix_stage_line_client_flag_id)."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("client_id", Integer, nullable=False),
        Column("upload_id", Integer, nullable=False),
        Column("row_num", Integer, nullable=False),
        Column("processed_flag", String(1), nullable=False),
        Column("line_key", String(300), nullable=True),
        Column("crtd_by", String(100), nullable=False),
        Column("crtd_dt", DateTime(timezone=True), nullable=False),
        Column("updt_by", String(100), nullable=False),
        Column("updt_dt", DateTime(timezone=True), nullable=False),
        *(stage_column(c, k) for c, k in columns),
        # the row's upload, of the same client (migration 0036): one check a row, and its client's
        ForeignKeyConstraint(
            ["client_id", "upload_id"], ["upload.client_id", "upload.id"], ondelete="CASCADE"
        ),
        *([Index(f"ix_{name}_client_flag", "client_id", "processed_flag")] if flag_index else []),
        Index(f"ix_{name}_client_key", "client_id", "line_key"),
        Index(f"ix_{name}_upload", "upload_id"),
    )


stage_line = _staging_table("stage_line", LINE_COLUMNS + COST_LINE_COLUMNS, flag_index=False)
# PostgreSQL pre-stage of transaction uploads (migration 0032, docs/inbound.md): the checked rows of an
# upload awaiting staging, each cell as the text of its stored form (numbers plain, dates ISO), keyed by
# (upload_id, row_num). No index and no foreign key, so that pre-stage's COPY costs about what a COPY into
# a bare table does; staging moves an upload's rows into stage_line in one INSERT ... SELECT and deletes
# them, in its transaction. Rows are only ever read or deleted by upload (and client).
stage_line_hold = Table(
    "stage_line_hold",
    metadata,
    Column("client_id", Integer, nullable=False),
    Column("upload_id", Integer, nullable=False),
    Column("row_num", Integer, nullable=False),
    *(Column(sql_name(c), Text, nullable=True) for c, _ in LINE_COLUMNS + COST_LINE_COLUMNS),
)
stage_event = _staging_table("stage_event", EVENT_COLUMNS)
bundle_config = _staging_table("bundle_config", BUNDLE_COLUMNS)
# Variable consideration estimates (upload kind ``vc``, migration 0019): staged rows, ``N`` once valid.
vc_estimate = _staging_table("vc_estimate", VC_COLUMNS)

# Problems of staged rows (kind: transaction | event | bundle); replaced whenever a row is validated again.
stage_error = Table(
    "stage_error",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("row_id", Integer, nullable=False),
    Column("code", String(20), nullable=False),
    Column("col_name", String(100), nullable=True),
    Column("message", String(500), nullable=False),
    Index("ix_stage_error_row", "kind", "row_id"),
    Index("ix_stage_error_client", "client_id", "kind"),
)

# The job queue: background work (staging an upload, programs). A worker holds a lease on a running job;
# a job whose lease expired is taken again (its work is one transaction, so it never half-applies).
job = Table(
    "job",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("org_id", Integer, nullable=True),
    Column("kind", String(50), nullable=False),
    Column("ref_id", Integer, nullable=True),
    Column("params", Text, nullable=True),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("lease_owner", String(100), nullable=True),
    Column("lease_until", BigInteger, nullable=True),
    Column("progress_done", Integer, nullable=False),
    Column("progress_total", Integer, nullable=False),
    Column("error_message", Text, nullable=True),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # the job id users see (programs, data collection; migration 0012); NULL for internal jobs
    Column("number", Integer, nullable=True),
    Index("ix_job_status", "status", "id"),
    Index("ix_job_client", "client_id", "kind", "status"),
    Index("ux_job_number", "number", unique=True),
)

# Where job numbers come from on PostgreSQL (SQLite takes MAX + 1 under its write lock).
job_number_seq = Sequence("job_number_seq", metadata=metadata)

# The plan of a Data Collection split by contract (migration 0031, revrec.contracts.partitions): each due
# staging row of the job, the partition that collects it and its group (rows that may share a contract).
collection_part_line = Table(
    "collection_part_line",
    metadata,
    Column("job_id", Integer, ForeignKey("job.id", ondelete="CASCADE"), primary_key=True),
    Column("stage_row_id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("part", Integer, nullable=False),
    Column("grp", Integer, nullable=False),
    Index("ix_collection_part_line_part", "job_id", "part", "grp"),
)


# --- revenue policies (migration 0003) ------------------------------------------------------------------

# A client's revenue policies (the engine's Policies mapping, canonical JSON) — one document per client.
client_policy = Table(
    "client_policy",
    metadata,
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), primary_key=True),
    Column("document", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


# --- accounting and jobs (migration 0004) ---------------------------------------------------------------

# Accounting periods per client, book and org: Open (exactly one), Soft Close, Closed. Periods after the
# open one are not stored (the calendar policy defines them); a closed period never changes.
accounting_period = Table(
    "accounting_period",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("book_id", Integer, ForeignKey("book.id", ondelete="CASCADE"), nullable=False),
    Column("org_id", Integer, nullable=False),
    Column("period_key", Integer, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("closed_by", String(100), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("client_id", "book_id", "org_id", "period_key", name="uq_accounting_period_key"),
)

# A client's accounting settings (setup-document section ``accounting``), canonical JSON.
accounting_setting = Table(
    "accounting_setting",
    metadata,
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), primary_key=True),
    Column("document", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Revenue contracts (BI3_RC_HEAD): one per (client, book, contract key); ``version`` counts revisions.
revenue_contract = Table(
    "revenue_contract",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("book_id", Integer, ForeignKey("book.id", ondelete="CASCADE"), nullable=False),
    Column("org_id", Integer, nullable=False),
    Column("rc_key", String(300), nullable=False),
    Column("template", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("transaction_price", Money(), nullable=False),
    Column("alloc_method", String(20), nullable=False),
    Column("error_code", String(20), nullable=True),
    Column("error_message", String(500), nullable=True),
    Column("crtd_prd_id", Integer, nullable=False),
    Column("updt_prd_id", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("crtd_by", String(100), nullable=True),  # migration 0013: the user whose job created it
    UniqueConstraint("client_id", "book_id", "rc_key", name="uq_revenue_contract_key"),
    # migration 0038: room on each page for a revision's in-place updates (HOT; PostgreSQL only)
    postgresql_with={"fillfactor": 80},
)

# Revenue contract lines (BI3_RC_LNS): one row per line version; the current one has current_flag.
# ``stage_row_id`` points at the staging (history) row the version was collected from.
rc_line = Table(
    "rc_line",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, nullable=False),
    Column("rc_id", Integer, nullable=False),
    _of_contract(),
    Column("line_id", String(300), nullable=False),
    Column("version", Integer, nullable=False),
    Column("current_flag", Boolean, nullable=False),
    Column("stage_row_id", Integer, nullable=False),
    Column("type", String(10), nullable=False),
    Column("so_num", String(300), nullable=True),
    Column("item_num", String(300), nullable=True),
    Column("pob_key", String(500), nullable=True),
    Column("so_date", Date, nullable=True),
    Column("start_date", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("ord_qty", Money(), nullable=True),
    Column("ext_lst_prc", Money(), nullable=True),
    Column("ext_sll_prc", Money(), nullable=True),
    Column("ssp", Money(), nullable=True),
    Column("allocatable", Money(), nullable=False),
    Column("allocated", Money(), nullable=False),
    Column("carve", Money(), nullable=False),
    Column("curr", String(3), nullable=False),
    Column("f_cur", String(3), nullable=False),
    Column("f_ex_rate", Rate(), nullable=False),
    Column("g_ex_rate", Rate(), nullable=False),
    Column("def_segments", String(300), nullable=True),
    Column("rev_segments", String(300), nullable=True),
    Column("al_account", String(300), nullable=True),
    Column("ar_account", String(300), nullable=True),
    Column("ca_account", String(300), nullable=True),
    Column("unbill_flag", String(1), nullable=True),
    Column("return_flag", String(1), nullable=True),
    Column("error_code", String(20), nullable=True),
    Column("error_message", String(500), nullable=True),
    Column("crtd_prd_id", Integer, nullable=False),
    Column("crtd_by", String(100), nullable=True),  # migration 0013: the user whose job wrote the row
    Column("crtd_dt", DateTime(timezone=True), nullable=True),  # migration 0013: when (UTC)
    # migration 0020: the line's part of the contract discount a discount rule allocated (IFRS 15.82)
    Column("disc_amt", Money(), nullable=True),
    Column("disc_pct", Rate(), nullable=True),
    Column("disc_rule", String(300), nullable=True),
    Column("cust_num", String(300), nullable=True),  # migration 0025: the customer, for contract search
    Column("cstmr_nm", String(300), nullable=True),  # migration 0025
    # a line's versions by line id (migration 0039: without current_flag, so that retiring a version is a HOT
    # update; a line has few versions, the current one is picked from them)
    Index("ix_rc_line_client_line", "client_id", "line_id"),
    Index("ix_rc_line_rc", "rc_id"),
    # migration 0038: room on each page for the in-place reallocation of a revision (HOT; PostgreSQL only)
    postgresql_with={"fillfactor": 80},
)

# Performance obligations of a contract (BI3_RC_POB), replaced whenever the contract is recomputed.
rc_pob = Table(
    "rc_pob",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, nullable=False),
    Column("rc_id", Integer, nullable=False),
    _of_contract(),
    Column("pob_key", String(500), nullable=False),
    Column("template", String(200), nullable=False),
    Column("lead_line_id", String(300), nullable=False),
    Column("start_date", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Index("ix_rc_pob_rc", "rc_id"),
)

# Bills (BI3_RC_BILL): one row per billing line (INV, CM, CM-C, CM-R, CM-RO), amounts in minor units of
# the transaction (t), functional (f) and reporting (r) currency; ``prd_id`` is the period it is booked in.
rc_bill = Table(
    "rc_bill",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, nullable=False),
    Column("rc_id", Integer, nullable=False),
    _of_contract(),
    Column("line_id", String(300), nullable=False),
    Column("stage_row_id", Integer, nullable=False),
    Column("type", String(10), nullable=False),
    Column("inv_num", String(300), nullable=True),
    Column("inv_line_id", String(300), nullable=True),
    Column("inv_date", Date, nullable=True),
    Column("credit_rule", String(1), nullable=True),
    Column("ext_sll_prc", Money(), nullable=False),
    Column("curr", String(3), nullable=False),
    Column("f_cur", String(3), nullable=False),
    Column("r_cur", String(3), nullable=False),
    Column("amount_t", BigInteger, nullable=False),
    Column("amount_f", BigInteger, nullable=False),
    Column("amount_r", BigInteger, nullable=False),
    Column("prd_id", Integer, nullable=False),
    Column("crtd_prd_id", Integer, nullable=False),
    Column("crtd_by", String(100), nullable=True),  # migration 0013: the user whose job wrote the row
    Column("crtd_dt", DateTime(timezone=True), nullable=True),  # migration 0013: when (UTC)
    Index("ix_rc_bill_rc", "rc_id", "line_id"),
)

# Schedules (BI3_RC_SCHD, compact): one row per line and version holding the line's RUNNING totals per
# period from ``first_period`` (calendar index ``first_index``, ``n`` periods) as JSON arrays of integers in
# minor units: revenue (schedule type R) and carve (type A, NULL when the line has no carve), in transaction
# currency (``*_t``) and functional/reporting currency (``*_f``/``*_r``, NULL when equal to the previous).
rc_schedule = Table(
    "rc_schedule",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, nullable=False),
    Column("rc_id", Integer, nullable=False),
    _of_contract(),
    Column("line_id", String(300), nullable=False),
    Column("version", Integer, nullable=False),
    Column("current_flag", Boolean, nullable=False),
    Column("first_period", Integer, nullable=False),
    Column("first_index", Integer, nullable=False),
    Column("n", Integer, nullable=False),
    Column("curr", String(3), nullable=False),
    Column("f_cur", String(3), nullable=False),
    Column("r_cur", String(3), nullable=False),
    Column("rev_t", Text, nullable=False),
    Column("rev_f", Text, nullable=True),
    Column("rev_r", Text, nullable=True),
    Column("cv_t", Text, nullable=True),
    Column("cv_f", Text, nullable=True),
    Column("cv_r", Text, nullable=True),
    Column("crtd_prd_id", Integer, nullable=False),
    Column("crtd_by", String(100), nullable=True),  # migration 0013: the user whose job wrote the row
    Column("crtd_dt", DateTime(timezone=True), nullable=True),  # migration 0013: when (UTC)
    # migration 0039: without current_flag (retiring a version, a revision's only update of the table, is
    # then HOT), and a fifth of each page free for those updates (PostgreSQL only)
    Index("ix_rc_schedule_rc", "rc_id"),
    Index("ix_rc_schedule_client", "client_id"),
    postgresql_with={"fillfactor": 80},
)

# Engine warnings (e.g. REVREC-ENG-006, a release beyond 100 % of a line) of each contract as last computed:
# code, message and the values behind it (JSON object), the job that first found it and the open period then.
rc_warning = Table(
    "rc_warning",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("rc_id", Integer, ForeignKey("revenue_contract.id", ondelete="CASCADE"), nullable=False),
    Column("line_id", String(300), nullable=True),
    Column("code", String(30), nullable=False),
    Column("message", String(500), nullable=False),
    Column("detail", Text, nullable=True),
    Column("job_id", Integer, nullable=True),
    Column("prd_id", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_rc_warning_rc", "rc_id"),
    Index("ix_rc_warning_client_job", "client_id", "job_id"),
)

# Journal entries, summarised per (period, contract, account string, account type, currencies), debit and
# credit in minor units of T/F/R. Generated for the open period; posted (immutable) when it closes.
journal_entry = Table(
    "journal_entry",
    metadata,
    Column("id", Integer, primary_key=True),
    # (client_id, book_id) → the book, of the same client (migration 0035: one check for both)
    Column("client_id", Integer, nullable=False),
    Column("book_id", Integer, nullable=False),
    ForeignKeyConstraint(["client_id", "book_id"], ["book.client_id", "book.id"], ondelete="CASCADE"),
    Column("org_id", Integer, nullable=False),
    Column("period_key", Integer, nullable=False),
    # NULL for a manual journal entry's rows (``mje_id`` set, migration 0023): regeneration never deletes them
    Column("rc_id", Integer, nullable=True),
    _of_contract(),
    Column("acctg_type", String(1), nullable=False),
    Column("acctg_seg", String(300), nullable=False),
    Column("curr", String(3), nullable=False),
    Column("f_cur", String(3), nullable=False),
    Column("r_cur", String(3), nullable=False),
    Column("dr_t", BigInteger, nullable=False),
    Column("cr_t", BigInteger, nullable=False),
    Column("dr_f", BigInteger, nullable=False),
    Column("cr_f", BigInteger, nullable=False),
    Column("dr_r", BigInteger, nullable=False),
    Column("cr_r", BigInteger, nullable=False),
    Column("posted_flag", Boolean, nullable=False),
    Column("post_batch_id", Integer, nullable=True),
    Column("mje_id", Integer, nullable=True),  # migration 0023: the manual journal entry of the row
    # migration 0029: "V" on the rows the VC journal writes (V/W/K and the C legs of settlement bills), which
    # it replaces on its own (revrec.vc.repository.delete_entries); NULL on every other row
    Column("origin", String(1), nullable=True),
    Index("ix_journal_entry_period", "client_id", "book_id", "org_id", "period_key"),
    Index("ix_journal_entry_rc", "rc_id"),
    Index("ix_journal_entry_mje", "mje_id"),
)

# Approvals of revenue contracts (BI3_APPR_DTL), one row per approval step of a contract (migration 0013).
# Written by the approval workflow; BI3_APPR_DTL reads it (no rows until approvals are recorded).
rc_approval = Table(
    "rc_approval",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("rc_id", Integer, ForeignKey("revenue_contract.id", ondelete="CASCADE"), nullable=False),
    Column("book_id", Integer, ForeignKey("book.id", ondelete="CASCADE"), nullable=False),
    Column("org_id", Integer, nullable=False),
    Column("obj_type", String(30), nullable=False),  # APPROVAL_OBJ_TYPE, e.g. RC
    Column("status", String(30), nullable=False),  # APPROVAL_STATUS: Pending, Approved, Rejected
    Column("rule_id", Integer, nullable=True),
    Column("rule_name", String(200), nullable=True),
    Column("rule_desc", String(500), nullable=True),
    Column("approval_type", String(30), nullable=True),
    Column("approver_sequence", Integer, nullable=True),
    Column("approver_user", String(100), nullable=True),
    Column("approver_name", String(200), nullable=True),
    Column("approved_by_user", String(100), nullable=True),
    Column("approved_by_name", String(200), nullable=True),
    Column("approver_comments", String(2000), nullable=True),
    Column("pending_since", DateTime(timezone=True), nullable=True),
    Column("approval_date", DateTime(timezone=True), nullable=True),
    Column("start_date", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_rc_approval_client", "client_id", "updated_at"),
    Index("ix_rc_approval_rc", "rc_id"),
)

# A client's default templates (migration 0013): the upload template of the mapping operations and the RC
# grouping template of Data Collection when a request names none (setup document, section ``settings``).
client_default = Table(
    "client_default",
    metadata,
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), primary_key=True),
    Column("upload_template", String(200), nullable=True),
    Column("rc_template", String(200), nullable=True),
)

# stage_line keeps every line it ever staged, but three of its look-up indexes serve only the lines not yet
# collected: they are partial (migration 0037), so flagging a collected line Y adds no entry to them (a
# flag update is not a HOT update: the flag is indexed) and they stay the size of the backlog, not of the
# history. A query names the index's term exactly (waiting(), flagged()), which SQLite needs to use a
# partial index and PostgreSQL to use one in a generic plan.
WAITING = "processed_flag = 'N'"
WAITING_OR_IN_ERROR = "processed_flag IN ('N', 'E')"


def _partial_index(name: str, where: str, *columns: str) -> Index:
    """An index of ``stage_line`` on the rows matching ``where`` (on both databases)."""
    cols = [stage_line.c[c] for c in columns]
    return Index(name, *cols, sqlite_where=text(where), postgresql_where=text(where))


# Data collection finds the billing and RORD lines of the SO lines it collects, and the SO lines still
# waiting, by these references (waiting lines only).
_partial_index("ix_stage_line_client_so_line", WAITING, "client_id", "so_line_id")
_partial_index("ix_stage_line_client_orig_so_line", WAITING, "client_id", "orig_so_line_id")
# Data collection reads due lines in id order after a cursor (PostgreSQL needs id in the index to avoid
# sorting every waiting line for each chunk); the console and Period Close count waiting and erroneous
# lines. Pre-staged (P) and collected (Y) lines are left out.
_partial_index("ix_stage_line_client_flag_id", WAITING_OR_IN_ERROR, "client_id", "processed_flag", "id")

# Collection adds to a chunk the rest of its last sales order (migration 0033): the waiting SO lines of that
# SO number after the chunk, found by this index instead of a scan of every waiting line after the chunk.
_partial_index("ix_stage_line_client_so_num_waiting", WAITING, "client_id", "so_num", "id")

# The console (migration 0016): contract search by SO number and item, and the close checklist's counts of
# contracts in error and of entries not yet in a transfer batch, and a contract's events, without scanning the
# tables.
Index("ix_rc_line_client_so_num", rc_line.c.client_id, rc_line.c.so_num, rc_line.c.rc_id)
Index("ix_rc_line_client_item", rc_line.c.client_id, rc_line.c.item_num, rc_line.c.rc_id)
Index("ix_revenue_contract_client_error", revenue_contract.c.client_id, revenue_contract.c.error_code)
Index("ix_journal_entry_client_batch", journal_entry.c.client_id, journal_entry.c.post_batch_id)
Index("ix_stage_event_client_so_line", stage_event.c.client_id, stage_event.c.so_line_id)

# Console search (migration 0025): contracts by customer number or name (prefix) and booking date, by
# contract key prefix, and the checklist's count of contracts awaiting approval. PostgreSQL prefix search
# (LIKE 'x%') uses an index only with the pattern operator class when the database collation is not C.
_PREFIX = "varchar_pattern_ops"
Index(
    "ix_rc_line_client_cust_num", rc_line.c.client_id, rc_line.c.cust_num, rc_line.c.rc_id,
    postgresql_ops={"cust_num": _PREFIX},
)  # fmt: skip
Index(
    "ix_rc_line_client_cstmr_nm", rc_line.c.client_id, rc_line.c.cstmr_nm, rc_line.c.rc_id,
    postgresql_ops={"cstmr_nm": _PREFIX},
)  # fmt: skip
Index("ix_rc_line_client_so_date", rc_line.c.client_id, rc_line.c.so_date, rc_line.c.rc_id)
Index(
    "ix_revenue_contract_client_key_prefix", revenue_contract.c.client_id, revenue_contract.c.rc_key,
    postgresql_ops={"rc_key": _PREFIX},
)  # fmt: skip
Index("ix_rc_approval_client_status", rc_approval.c.client_id, rc_approval.c.status, rc_approval.c.rc_id)
# the contracts list, newest first, without sorting the client's contracts (SQLite and PostgreSQL); unique
# since migration 0035, as the target of the (client_id, rc_id) foreign keys (CONTRACT_CHILD_TABLES)
Index("ix_revenue_contract_client_id", revenue_contract.c.client_id, revenue_contract.c.id, unique=True)


def flagged(flag_column: ColumnElement[str], flag: str) -> ColumnElement[bool]:
    """``processed_flag = flag`` (``N`` or ``E``) with the term of the partial flag index."""
    if flag not in ("N", "E"):
        raise ValueError(
            "pre-staged (P) and collected (Y) lines are not in the flag index; select them by upload or id"
        )
    return and_(flag_column == flag, flag_column.in_([literal_column("'N'"), literal_column("'E'")]))


def waiting(flag_column: ColumnElement[str]) -> ColumnElement[bool]:
    """``processed_flag = 'N'``, the term of the partial indexes of waiting lines (by SO line id, original
    SO line id and SO number), written as they are."""
    return flag_column == literal_column("'N'")


# GL transfer batches (domain §11, docs/outbound.md "Transfer accounting"): a batch summarises posted,
# untransferred journal entries of one org; ``status`` NEW → READY TO TRANSFER | NO DATA FOUND →
# TRANSFERRED. ``criteria`` is the JSON of the program's filter; ``file_generated_at`` stamps the batch file
# (downloadable for the report retention after it); ``layout`` the GL interface mapping frozen at creation;
# ``report_id`` the batch file in the report store.
transfer_batch = Table(
    "transfer_batch",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("org_id", Integer, nullable=False),
    Column("book_id", Integer, ForeignKey("book.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(30), nullable=False),
    Column("criteria", Text, nullable=True),
    Column("job_id", Integer, nullable=True),
    Column("line_count", Integer, nullable=False),
    Column("entry_count", Integer, nullable=False),
    Column("file_generated_at", DateTime(timezone=True), nullable=True),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("layout", Text, nullable=True),  # migration 0007: the gl_interface in force at creation (JSON)
    Column("report_id", Integer, nullable=True),  # migration 0007: the batch file in the report store
    UniqueConstraint("client_id", "name", name="uq_transfer_batch_client_name"),
    Index("ix_transfer_batch_status", "client_id", "status"),
)

# A client's GL interface mapping (setup-document section ``gl_interface``, migration 0007), canonical JSON.
gl_interface_setting = Table(
    "gl_interface_setting",
    metadata,
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), primary_key=True),
    Column("document", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The summary lines of a batch (never changed after creation): per book, period, currencies and output key
# of the batch's GL interface layout (``transfer_batch.layout``; the standard layout's key is the account
# string and type), debit and credit in minor units of T/F/R; ``acctg_seg``/``acctg_type`` are those of the
# line's first entry (every entry of a line has the same output key, so its key columns are computed from
# them); ``entry_ids`` is the packed list (comma separated, ascending) of the journal_entry ids behind the
# line, for drill-down.
transfer_line = Table(
    "transfer_line",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("batch_id", Integer, ForeignKey("transfer_batch.id", ondelete="CASCADE"), nullable=False),
    Column("line_num", Integer, nullable=False),
    Column("book_id", Integer, nullable=False),
    Column("period_key", Integer, nullable=False),
    Column("acctg_seg", String(300), nullable=False),
    Column("acctg_type", String(1), nullable=False),
    Column("curr", String(3), nullable=False),
    Column("f_cur", String(3), nullable=False),
    Column("r_cur", String(3), nullable=False),
    Column("dr_t", BigInteger, nullable=False),
    Column("cr_t", BigInteger, nullable=False),
    Column("dr_f", BigInteger, nullable=False),
    Column("cr_f", BigInteger, nullable=False),
    Column("dr_r", BigInteger, nullable=False),
    Column("cr_r", BigInteger, nullable=False),
    Column("entry_ids", Text, nullable=False),
    UniqueConstraint("batch_id", "line_num", name="uq_transfer_line_batch_line"),
)

# The audit trail of control actions (holds, approvals, manual entries and revenue actions; migration 0015):
# insert-only, one row per action with its actor, time, reason and the object's state before and after (JSON).
control_audit = Table(
    "control_audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("action", String(50), nullable=False),
    Column("object_type", String(30), nullable=False),
    Column("object_id", String(300), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("acted_at", DateTime(timezone=True), nullable=False),
    Column("reason", String(2000), nullable=True),
    Column("before_state", Text, nullable=True),
    Column("after_state", Text, nullable=True),
    Index("ix_control_audit_client_object", "client_id", "object_type", "object_id"),
)

# Holds (migration 0017): a revenue hold freezes the schedules of the lines it covers from the open period
# it is applied in (recognition stops; the release books the catch-up in the then open period); a transfer
# hold keeps the contract's journal entries out of GL transfer batches. Released holds stay (released_flag).
rc_hold = Table(
    "rc_hold",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("rc_id", Integer, ForeignKey("revenue_contract.id", ondelete="CASCADE"), nullable=False),
    Column("hold_type", String(20), nullable=False),  # REVENUE / TRANSFER
    Column("hold_level", String(20), nullable=False),  # CONTRACT / POB / LINE
    Column("pob_key", String(500), nullable=True),
    Column("line_id", String(300), nullable=True),
    Column("schedules", String(2), nullable=False),  # revenue holds: R, A or RA (revenue and/or allocation)
    Column("whole_pob", Boolean, nullable=False),  # a line hold holds the line's whole POB
    Column("hold_name", String(100), nullable=False),  # the rule, MANUAL, or the validation that applied it
    Column("source", String(20), nullable=False),  # MANUAL / RULE / VALIDATION
    Column("manual_release", Boolean, nullable=False),
    Column("comment", String(2000), nullable=True),
    Column("applied_by", String(100), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
    Column("applied_period", Integer, nullable=False),
    Column("expiry_date", Date, nullable=True),
    Column("released_flag", Boolean, nullable=False),
    Column("released_by", String(100), nullable=True),
    Column("released_at", DateTime(timezone=True), nullable=True),
    Column("release_period", Integer, nullable=True),
    Column("release_reason", String(100), nullable=True),  # MANUAL / EVENT / EXPIRY
    Column("release_comment", String(2000), nullable=True),
    Index("ix_rc_hold_client_active", "client_id", "released_flag", "hold_type"),
    Index("ix_rc_hold_rc", "rc_id"),
)

# The frozen schedule version a revenue hold wrote for each line it covers; a schedule written over it by
# a later recomputation is frozen again at the next journal regeneration (revrec.controls.holds).
rc_hold_line = Table(
    "rc_hold_line",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("hold_id", Integer, ForeignKey("rc_hold.id", ondelete="CASCADE"), nullable=False),
    Column("line_id", String(300), nullable=False),
    Column("true_schedule_id", Integer, nullable=False),  # the line's schedule as if not held
    Column("held_schedule_id", Integer, nullable=False),  # the frozen version written over it
    Index("ix_rc_hold_line_hold", "hold_id"),
)

# The setup document's section ``hold_rules`` (migration 0017), as JSON: rules that hold contracts, POBs or
# lines whose fields meet their criteria (revrec.controls.holds_rules).
hold_rule_setting = Table(
    "hold_rule_setting",
    metadata,
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), primary_key=True),
    Column("document", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Approval rules of the setup document (section ``approval_rules``, migration 0018): which contracts need
# approval (``applies_to`` NEW_CONTRACT or REVISION, above ``amount``) and the approver roles in order (JSON).
approval_rule = Table(
    "approval_rule",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", String(500), nullable=True),
    Column("applies_to", String(20), nullable=False),
    Column("amount", Money(), nullable=False),
    Column("approvers", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("client_id", "name", name="uq_approval_rule_name"),
)

# The revision in force before a revision that awaits approval (migration 0018): head, lines, schedule ids
# and POBs as JSON, so a rejection restores it. ``resolution`` (Approved/Rejected/Withdrawn) once decided;
# never deleted.
rc_revision_snapshot = Table(
    "rc_revision_snapshot",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("rc_id", Integer, ForeignKey("revenue_contract.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("state", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("resolution", String(20), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Index("ix_rc_revision_snapshot_rc", "rc_id", "resolution"),
)

# Manual revenue actions (migration 0024): a user's manual release of a POB or line, SSP override or
# allocation override of a contract, each with its reason; a withdrawal or a rejection is a later row naming
# the action it ends (``target_id``). Insert-only: rows are never updated or deleted.
rc_manual_action = Table(
    "rc_manual_action",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("rc_id", Integer, ForeignKey("revenue_contract.id", ondelete="CASCADE"), nullable=False),
    # RELEASE, SSP_OVERRIDE, ALLOCATION_OVERRIDE, WITHDRAWAL, REJECTION
    Column("kind", String(20), nullable=False),
    Column("target_id", Integer, nullable=True),  # the action a WITHDRAWAL / REJECTION ends
    Column("level", String(10), nullable=True),  # RELEASE: POB or LINE
    Column("pob_key", String(300), nullable=True),
    Column("line_id", String(200), nullable=True),
    Column("release_date", Date, nullable=True),
    Column("percent", Money(), nullable=True),  # RELEASE by percent
    Column("amount", Money(), nullable=True),  # RELEASE by amount, SSP_OVERRIDE's SSP
    Column("fraction", String(100), nullable=True),  # RELEASE: the exact fraction released, "n/d"
    Column("amounts", Text, nullable=True),  # ALLOCATION_OVERRIDE: {"line id": "allocated"} (JSON)
    Column("reason", String(2000), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("acted_at", DateTime(timezone=True), nullable=False),
    Column("period", Integer, nullable=False),  # the open period the action took effect in
    Column("version_before", Integer, nullable=False),
    Column("version_after", Integer, nullable=False),
    Column("before_state", Text, nullable=True),
    Column("after_state", Text, nullable=True),
    Column("snapshot_id", Integer, nullable=True),  # rc_revision_snapshot of its approval request
    Index("ix_rc_manual_action_rc", "rc_id"),
)

# Rights of return (migration 0021). ``return_setting``: the setup section ``returns`` (JSON list of terms
# per item or product family). ``rc_return_reserve``: a line's cumulative right-of-return position at the
# end of a period (minor units, T/F/R), written for the open period at each journal regeneration and never
# changed once the period closed; the journal books the change from the line's previous row.
return_setting = Table(
    "return_setting",
    metadata,
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), primary_key=True),
    Column("document", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

rc_return_reserve = Table(
    "rc_return_reserve",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("rc_id", Integer, ForeignKey("revenue_contract.id", ondelete="CASCADE"), nullable=False),
    Column("line_id", String(300), nullable=False),
    Column("period_key", Integer, nullable=False),
    Column("curr", String(3), nullable=False),
    Column("f_cur", String(3), nullable=False),
    Column("r_cur", String(3), nullable=False),
    Column("return_pct", Rate(), nullable=True),
    Column("expected_amount", Money(), nullable=True),
    Column("cost_pct", Rate(), nullable=False),
    Column("recovery_pct", Rate(), nullable=False),
    Column("gross_t", BigInteger, nullable=False),
    Column("returned_t", BigInteger, nullable=False),
    Column("expected_t", BigInteger, nullable=False),
    *(Column(f"{k}_{c}", BigInteger, nullable=False) for k in ("n", "s", "o", "q") for c in "tfr"),
    Column("r_seg", String(300), nullable=False),
    Column("n_seg", String(300), nullable=False),
    Column("s_seg", String(300), nullable=False),
    Column("o_seg", String(300), nullable=False),
    Column("q_seg", String(300), nullable=False),
    Column("crtd_dt", DateTime(timezone=True), nullable=False),
    UniqueConstraint("client_id", "line_id", "period_key", name="uq_rc_return_reserve_line_period"),
    Index("ix_rc_return_reserve_rc", "rc_id", "period_key"),
)

# Manual journal entries (migration 0023, docs/controls.md "Manual journal entries"): one head per entry,
# its lines (debit or credit in the entry currency, converted to F and R at the head's rates, minor units),
# and its approval steps. ``status`` Draft → Pending → Posted | Rejected; a posted entry's rows are
# journal_entry rows with ``mje_id`` (posted_flag true, never regenerated). ``reversal_of`` links a reversal
# to the entry it reverses; ``reversed_by`` the other way.
mje_head = Table(
    "mje_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("book_id", Integer, nullable=False),
    Column("org_id", Integer, nullable=False),
    Column("mje_num", String(100), nullable=False),
    Column("description", String(500), nullable=True),
    Column("period_key", Integer, nullable=False),
    Column("curr", String(3), nullable=False),
    Column("f_cur", String(3), nullable=False),
    Column("r_cur", String(3), nullable=False),
    Column("ex_rate", Rate(), nullable=False),
    Column("g_ex_rate", Rate(), nullable=False),
    Column("rc_id", Integer, nullable=True),
    Column("auto_reverse", Boolean, nullable=False),
    Column("status", String(20), nullable=False),
    Column("source", String(20), nullable=False),  # MANUAL (API/CLI) or UPLOAD
    Column("upload_id", Integer, nullable=True),
    Column("reversal_of", Integer, nullable=True),
    Column("reversed_by", Integer, nullable=True),
    Column("total_dr", Money(), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("posted_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("client_id", "mje_num", name="uq_mje_head_num"),
    Index("ix_mje_head_status", "client_id", "status"),
    Index("ix_mje_head_rc", "client_id", "rc_id"),  # migration 0028: a contract's entries (console)
)

mje_line = Table(
    "mje_line",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("mje_id", Integer, ForeignKey("mje_head.id", ondelete="CASCADE"), nullable=False),
    Column("line_num", Integer, nullable=False),
    Column("acctg_type", String(1), nullable=False),
    Column("acctg_seg", String(300), nullable=False),
    Column("description", String(500), nullable=True),
    Column("dr_t", BigInteger, nullable=False),
    Column("cr_t", BigInteger, nullable=False),
    Column("dr_f", BigInteger, nullable=False),
    Column("cr_f", BigInteger, nullable=False),
    Column("dr_r", BigInteger, nullable=False),
    Column("cr_r", BigInteger, nullable=False),
    UniqueConstraint("mje_id", "line_num", name="uq_mje_line_num"),
)

mje_approval = Table(
    "mje_approval",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("mje_id", Integer, ForeignKey("mje_head.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(20), nullable=False),  # Pending, Approved, Rejected, Cancelled
    Column("sequence", Integer, nullable=False),
    Column("approver_role", String(100), nullable=False),
    Column("rule_id", Integer, nullable=True),
    Column("rule_name", String(200), nullable=True),
    Column("decided_by", String(100), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("comment", String(2000), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_mje_approval_mje", "mje_id"),
)

# Pre-staged and staged rows of ``Standard MJE`` uploads (migration 0023): a staging table like the others;
# the staging job turns each valid entry into a manual journal entry (rows ``Y``), errored entries stay ``E``.
stage_mje = _staging_table("stage_mje", MJE_COLUMNS)

# --- costs of obtaining and fulfilling a contract (migration 0022) ---------------------------------------

# The setup document's section ``costs`` (revrec.costs.settings), as canonical JSON: cost types and accounts.
cost_setting = Table(
    "cost_setting",
    metadata,
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), primary_key=True),
    Column("document", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Cost lines (BI3_RC_LN_COST): one per CST line, tied to the contract of its related line (``line_id``);
# amounts in minor units of the transaction (t), functional (f) and reporting (r) currency.
rc_cost = Table(
    "rc_cost",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("book_id", Integer, ForeignKey("book.id", ondelete="CASCADE"), nullable=False),
    Column("org_id", Integer, nullable=False),
    Column("rc_id", Integer, ForeignKey("revenue_contract.id", ondelete="CASCADE"), nullable=False),
    Column("cost_line_id", String(300), nullable=False),
    Column("line_id", String(300), nullable=False),
    Column("stage_row_id", Integer, nullable=False),
    Column("cost_type", String(100), nullable=False),
    Column("cost_kind", String(10), nullable=False),
    Column("treatment", String(20), nullable=False),
    Column("capitalised_flag", Boolean, nullable=False),
    Column("item_num", String(300), nullable=True),
    Column("incurred_date", Date, nullable=False),
    Column("curr", String(3), nullable=False),
    Column("f_cur", String(3), nullable=False),
    Column("r_cur", String(3), nullable=False),
    Column("f_ex_rate", Rate(), nullable=False),
    Column("g_ex_rate", Rate(), nullable=False),
    Column("amount_t", BigInteger, nullable=False),
    Column("amount_f", BigInteger, nullable=False),
    Column("amount_r", BigInteger, nullable=False),
    Column("asset_segments", String(300), nullable=False),  # G
    Column("expense_segments", String(300), nullable=False),  # I
    Column("payable_segments", String(300), nullable=False),  # P
    Column("impairment_segments", String(300), nullable=False),  # H
    Column("crtd_prd_id", Integer, nullable=False),
    Column("crtd_by", String(100), nullable=False),
    Column("crtd_dt", DateTime(timezone=True), nullable=False),
    UniqueConstraint("client_id", "cost_line_id", name="uq_rc_cost_line"),
    Index("ix_rc_cost_rc", "rc_id"),
)

# A cost's entries per period: CAPITALISE (Dr G / Cr P), EXPENSE (Dr I / Cr P), AMORTISE (Dr I / Cr G),
# IMPAIR (Dr H / Cr G). Rows of periods before the open one never change; an impairment rewrites only the
# AMORTISE rows after the period it is booked in.
rc_cost_schedule = Table(
    "rc_cost_schedule",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("cost_id", Integer, ForeignKey("rc_cost.id", ondelete="CASCADE"), nullable=False),
    Column("rc_id", Integer, ForeignKey("revenue_contract.id", ondelete="CASCADE"), nullable=False),
    Column("period_key", Integer, nullable=False),
    Column("entry_kind", String(12), nullable=False),
    Column("dr_type", String(1), nullable=False),
    Column("cr_type", String(1), nullable=False),
    Column("amount_t", BigInteger, nullable=False),
    Column("amount_f", BigInteger, nullable=False),
    Column("amount_r", BigInteger, nullable=False),
    Column("crtd_prd_id", Integer, nullable=False),
    Index("ix_rc_cost_schedule_cost", "cost_id", "period_key"),
    Index("ix_rc_cost_schedule_client", "client_id", "period_key"),
)

# Variable consideration (migration 0019). ``vc_setting``: the setup section ``variable_consideration``
# (JSON).
vc_setting = Table(
    "vc_setting",
    metadata,
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), primary_key=True),
    Column("document", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# VC schedules (BI3_RC_SCHD type ``V``, SCHD_ID = 4*10**18 + id*2 + leg): per line, VC type and period,
# the change of VC allocated to the line (``alloc_*``) and the VC revenue recognised (``rev_*``) booked in
# that period, in minor units of T/F/R. Rows of closed periods are never changed; the open period's row is
# rewritten when a reassessment changes it (cumulative catch-up). ``estimate_id``: the vc_estimate in force.
vc_schedule = Table(
    "vc_schedule",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("book_id", Integer, ForeignKey("book.id", ondelete="CASCADE"), nullable=False),
    Column("org_id", Integer, nullable=False),
    Column("rc_id", Integer, ForeignKey("revenue_contract.id", ondelete="CASCADE"), nullable=False),
    Column("line_id", String(300), nullable=False),
    Column("vc_type", String(100), nullable=False),
    Column("period_key", Integer, nullable=False),
    Column("estimate_id", Integer, nullable=True),
    Column("actual_flag", String(1), nullable=False),
    Column("curr", String(3), nullable=False),
    Column("f_cur", String(3), nullable=False),
    Column("r_cur", String(3), nullable=False),
    Column("alloc_t", BigInteger, nullable=False),
    Column("alloc_f", BigInteger, nullable=False),
    Column("alloc_r", BigInteger, nullable=False),
    Column("rev_t", BigInteger, nullable=False),
    Column("rev_f", BigInteger, nullable=False),
    Column("rev_r", BigInteger, nullable=False),
    Column("crtd_dt", DateTime(timezone=True), nullable=False),
    Index("ix_vc_schedule_scope", "client_id", "book_id", "org_id", "period_key"),
    Index("ix_vc_schedule_rc", "rc_id"),
)

# The last VC reassessment of a book and org: its open period and when it started (migration 0027). The next
# reassessment of the same open period recomputes only the contracts changed since (revrec.vc.service).
vc_reassessment = Table(
    "vc_reassessment",
    metadata,
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), primary_key=True),
    Column("book_id", Integer, ForeignKey("book.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, primary_key=True),
    Column("period_key", Integer, nullable=False),
    Column("reassessed_at", DateTime(timezone=True), nullable=False),
)

# The open period's revenue journal as last generated, per book and org (migration 0034): period, calendar
# index, the book's default accounts and the statement's version it was generated with, and the time every
# contract change stamped before was reflected by (a watermark). A later generation with the same period,
# accounts and version regenerates only the contracts stamped since (revrec.accounting.service).
journal_state = Table(
    "journal_state",
    metadata,
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), primary_key=True),
    Column("book_id", Integer, ForeignKey("book.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, primary_key=True),
    Column("period_key", Integer, nullable=False),
    Column("period_index", Integer, nullable=False),
    Column("unbilled_account", String(300), nullable=False),
    Column("clearing_account", String(300), nullable=False),
    Column("statement_version", Integer, nullable=False),
    Column("generated_at", DateTime(timezone=True), nullable=False),
)

# Settlement bills of variable consideration (migration 0029): an INV or CM transaction line whose settlement
# attribute (setup ``variable_consideration.settlement_attribute``) names a VC type. Kept out of the contract
# computation and of rc_bill: the sum of a line's settlement bills of a type is its actual, and each one books
# Dr C / Cr K (an invoice) or the reverse (a credit memo) in its period (revrec.vc.settlement).
vc_settlement = Table(
    "vc_settlement",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
    Column("book_id", Integer, ForeignKey("book.id", ondelete="CASCADE"), nullable=False),
    Column("org_id", Integer, nullable=False),
    Column("rc_id", Integer, ForeignKey("revenue_contract.id", ondelete="CASCADE"), nullable=False),
    Column("line_id", String(300), nullable=False),
    Column("vc_type", String(100), nullable=False),
    Column("period_key", Integer, nullable=False),
    Column("type", String(10), nullable=False),  # INV or CM
    Column("inv_num", String(300), nullable=True),
    Column("inv_line_id", String(300), nullable=True),
    Column("inv_date", Date, nullable=True),
    Column("curr", String(3), nullable=False),
    Column("f_cur", String(3), nullable=False),
    Column("r_cur", String(3), nullable=False),
    Column("amount_t", BigInteger, nullable=False),
    Column("amount_f", BigInteger, nullable=False),
    Column("amount_r", BigInteger, nullable=False),
    Column("stage_row_id", Integer, nullable=False),
    Column("crtd_by", String(100), nullable=True),
    Column("crtd_dt", DateTime(timezone=True), nullable=False),
    Index("ix_vc_settlement_scope", "client_id", "book_id", "org_id", "period_key"),
    Index("ix_vc_settlement_line", "client_id", "line_id"),
    Index("ix_vc_settlement_rc", "rc_id"),
)
