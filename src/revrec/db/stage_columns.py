"""The staging columns of transaction lines, events and bundle configurations.

One tuple per staging column name (the ``col_name`` of template field mappings) and its storage kind:
``C`` text, ``N`` amount/quantity (Money), ``R`` rate (Rate), ``D`` date. The SQL column is the lower-case
name; the four system-owned columns of the upload layout (Batch Id, Process Flag, Created By, Creation Date)
keep the file's value under an ``in_`` prefix, because revrec owns ``upload_id``/``processed_flag``.

This is a frozen copy shared by the table definitions and migration 0002: change it only together with a
new migration.
"""

from __future__ import annotations

SYSTEM_OWNED = {
    "BATCH_ID": "in_batch_id",
    "PROCESSED_FLAG": "in_processed_flag",
    "CRTD_BY": "in_crtd_by",
    "CRTD_DT": "in_crtd_dt",
}

_TEXT = (
    "BATCH_ID PROCESSED_FLAG CRTD_BY TYPE BUSINESS_UNIT CT_LINE_NUM SO_NUM SO_LINE_NUM SO_LINE_ID CUST_NUM "
    "CSTMR_NM CURR F_CUR ITEM_NUM PROD_CTGRY INV_NUM INV_LINE_NUM INV_LINE_ID ORIG_INV_LINE_ID "
    "ORIG_SO_LINE_ID RETURN_FLAG DEF_SEGMENTS REV_SEGMENTS AL_ACCOUNT AR_ACCOUNT CA_ACCOUNT CV_ELIGIBLE_FLAG "
    "PROD_CLASS PROD_FMLY PROD_LN SOB_ID CREDIT_RULE FV_ELIGIBLE_FLAG UNBILL_FLAG "
    + " ".join(f"ATR{n}" for n in (5, 6, 8, 9, 10, 11, 12, 13, 14, 15, *range(45, 61)))
).split()
_AMOUNTS = [
    "ORD_QTY",
    "UNIT_LIST_PRC",
    "EXT_LST_PRC",
    "UNIT_SELL_PRC",
    "EXT_SLL_PRC",
    "INV_QTY",
    "RET_QTY",
    "NUM1",
    "NUM2",
    "DURATION",
    "TERM",
]
_RATES = ["F_EX_RATE", "G_EX_RATE"]
_DATES = [
    "CRTD_DT",
    "SO_DATE",
    "START_DATE",
    "END_DATE",
    "DATE1",
    "DATE2",
    "DATE3",
    "CT_MOD_DATE",
    "INV_DATE",
    "FV_DATE",
]

LINE_COLUMNS: tuple[tuple[str, str], ...] = (
    *((c, "C") for c in _TEXT),
    *((c, "N") for c in _AMOUNTS),
    *((c, "R") for c in _RATES),
    *((c, "D") for c in _DATES),
)

# Cost lines (type CST, migration 0022): the cost line's own id, its cost type (setup section ``costs``), the
# cost amount and the account strings of the cost asset (G, "Cost Def Segments") and the cost expense (I,
# "Cost Rev Segments"). Kept apart from LINE_COLUMNS, which migration 0002 creates.
COST_LINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("COST_LINE_ID", "C"),
    ("COST_TYPE", "C"),
    ("COST_AMT", "N"),
    ("COST_DEF_SEGMENTS", "C"),
    ("COST_REV_SEGMENTS", "C"),
)

EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("SO_NUM", "C"),
    ("SO_LINE_ID", "C"),
    ("EVENT_TYPE", "C"),
    ("PROCESS_TYPE", "C"),
    ("ACTION", "C"),
    ("RELEASE_PCT", "R"),
    ("RELEASE_QTY", "N"),
    ("RELEASE_AMT", "N"),
    ("EVENT_DATE", "D"),
    ("CUMULATIVE_FLAG", "C"),
    ("COMMENTS", "C"),
)

BUNDLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("BNDL_CFG_ITEM_NUM", "C"),
    ("PARENT_ITEM_NUM", "C"),
    ("SELL_PRICE_SPLIT_TYPE", "C"),
    ("SELL_PRICE_SPLIT_VAL", "N"),
    ("LIST_PRICE_SPLIT_TYPE", "C"),
    ("LIST_PRICE_SPLIT_VAL", "N"),
    ("COST_PRICE_SPLIT_TYPE", "C"),
    ("COST_PRICE_SPLIT_VAL", "N"),
    ("BNDL_CFG_QUANTITY", "N"),
    ("BNDL_CFG_DURATION", "N"),
    ("BNDL_CFG_VALID_FROM", "D"),
    ("BNDL_CFG_VALID_UNTIL", "D"),
    ("PROD_CTGRY", "C"),
)


def sql_name(col_name: str) -> str:
    """The SQL column holding staging column ``col_name``."""
    return SYSTEM_OWNED.get(col_name, col_name.lower())


#: Manual journal entry upload rows (the ``Standard MJE`` template, migration 0023): one row per line; the
#: rows sharing an ``MJE_NUM`` are one entry, whose head columns (description to reverse flag) they repeat.
MJE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("MJE_NUM", "C"),
    ("MJE_DESC", "C"),
    ("MJE_PERIOD", "N"),
    ("CURR", "C"),
    ("F_CUR", "C"),
    ("R_CUR", "C"),
    ("F_EX_RATE", "R"),
    ("G_EX_RATE", "R"),
    ("RC_ID", "N"),
    ("REVERSE_FLAG", "C"),
    ("ACCTG_TYPE", "C"),
    ("ACCTG_SEG", "C"),
    ("DR_AMOUNT", "N"),
    ("CR_AMOUNT", "N"),
    ("LINE_DESC", "C"),
)


# Variable consideration estimates (migration 0019, upload kind ``vc``): the SO line, the VC type of the
# setup section ``variable_consideration``, the estimate date, a most likely amount or up to four scenarios
# (amount and probability in percent), the expected volume (volume tiers) and the actual (settlement) flag.
VC_COLUMNS: tuple[tuple[str, str], ...] = (
    ("SO_LINE_ID", "C"),
    ("VC_TYPE", "C"),
    ("EST_DATE", "D"),
    ("ML_AMT", "N"),
    *((f"SCN{n}_{part}", kind) for n in range(1, 5) for part, kind in (("AMT", "N"), ("PCT", "R"))),
    ("EXP_QTY", "N"),
    ("ACTUAL_FLAG", "C"),
    ("COMMENTS", "C"),
)
