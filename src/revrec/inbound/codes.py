"""Every error code of the Inbound capability and its message: the single source of their wording.

``RPRO-*`` codes are Zuora Revenue's stage-validation codes (domain.md §6).  Where §6 publishes a full
sentence it is used verbatim; where §6 only abbreviates a code (e.g. RPRO-00072 "missing Order Quantity
(SO, RORD: must be > 0)") the message is that text behind the standard lead "The transaction line is not
processed due to".  ``INVALID_*_EVENT`` are Zuora's event-processing errors, verbatim.

``RREV-*`` codes are revrec's own, for rules Zuora does not publish a code for:
``RREV-00xxx`` transaction lines, ``RREV-01xxx`` events, ``RREV-02xxx`` bundle configurations,
``RREV-03xxx`` pre-stage (file) checks,
``RREV-041xx`` variable consideration (estimates, settlement bills).  Messages with ``{placeholders}``
are filled by :func:`message`.
"""

from __future__ import annotations

from typing import Final

_LEAD: Final = "The transaction line is not processed due to "

MESSAGES: Final[dict[str, str]] = {
    # --- Zuora stage validation (domain §6) -------------------------------------------------------
    "RPRO-00001": 'The transaction line is not processed as the "Tran Type" value is not valid',
    "RPRO-00002": _LEAD + "invalid CV Eligible Flag value (valid: Y, N, blank)",
    "RPRO-00003": _LEAD + "missing Customer Name",
    "RPRO-00006": _LEAD + "missing Line Item Number",
    "RPRO-00007": _LEAD + "missing Invoice Qty (INV, CM, CM-C, CM-R, CM-RO)",
    "RPRO-00009": _LEAD + "invalid currency code or invalid rounding on Ext List Price/Ext Sell Price",
    "RPRO-00011": _LEAD + "invalid Functional Ex Rate (must be 1 when T.curr = F.curr)",
    "RPRO-00012": _LEAD + "invalid Global Ex Rate (must be 1 when F.curr = reporting)",
    "RPRO-00013": (
        "The transaction line is not processed as the revenue end date is before the revenue start date"
    ),
    "RPRO-00014": "The credit memo is not processed due to missing start date (credit rule F)",
    "RPRO-00015": _LEAD + "an invalid start date (before 1947)",
    "RPRO-00016": _LEAD + "an invalid end date (before 1947)",
    "RPRO-00018": _LEAD + "missing start date",
    "RPRO-00020": _LEAD + "invalid Deferred Segments",
    "RPRO-00021": _LEAD + "missing deferred segments (all but CST)",
    "RPRO-00022": _LEAD + "invalid Revenue Segments",
    "RPRO-00023": _LEAD + "missing revenue segments (all but CST)",
    "RPRO-00030": "The RORD line is not processed due to missing Orig SO Line ID",
    "RPRO-00035": _LEAD + "missing invoice number (billing types)",
    "RPRO-00036": _LEAD + "missing Invoice Line ID (billing types)",
    "RPRO-00046": _LEAD + "invalid credit rule (P, L, F, blank)",
    "RPRO-00047": (
        "The credit memo line is not processed due to invalid credit rule on standalone CM (must be blank)"
    ),
    "RPRO-00049": _LEAD + "invalid Unbill Flag value (Y, N, blank)",
    "RPRO-00050": _LEAD + "invalid term (must be > 0 or blank)",
    "RPRO-00051": _LEAD + "missing Customer Number",
    "RPRO-00052": _LEAD + "invalid FV Eligible Flag value (Y, N, blank)",
    "RPRO-00058": "The RORD line is not processed due to invalid Ext Sell Price (must be ≤ 0)",
    "RPRO-00059": _LEAD + "missing Ext Sell Price (all but CST)",
    "RPRO-00063": "The credit memo is not processed due to missing end date (credit rule F)",
    "RPRO-00067": _LEAD + "invalid exchange rate (negative F/G/cost rates)",
    "RPRO-00068": _LEAD + "invalid duration (must be > 0 or blank)",
    "RPRO-00072": _LEAD + "missing Order Quantity (SO, RORD: must be > 0)",
    "RPRO-00076": _LEAD + "missing F Ex Rate and/or G Ex rate (when currencies differ)",
    "RPRO-00078": "The INV line is not processed due to incorrect signage (INV sign must equal SO sign)",
    "RPRO-00600": (
        "The transaction line is not processed as the SO Line ID on the transaction does not match with any"
        " SO in the system"
    ),
    "RPRO-00603": "The upload file is not processed due to special characters “=”, “+”, “@”",
    # --- Zuora event processing (domain §6) --------------------------------------------------------
    "INVALID_PERCENT_EVENT": "Release amount or release quantity is uploaded for percent based event",
    "INVALID_AMOUNT_EVENT": "Release percent or release quantity is uploaded for amount based event",
    "INVALID_QUANTITY_EVENT": "Release percent or release amount is uploaded for quantity based event",
    # --- revrec: transaction lines -----------------------------------------------------------------
    "RREV-00001": (
        "The transaction line is not processed as its line id {line_id} appears more than once in the upload"
    ),
    "RREV-00003": "The PORD line is not processed as price change orders are no longer supported",
    "RREV-00004": _LEAD + "missing mandatory field {field}",
    "RREV-00005": "The RORD line is not processed due to invalid Ext List Price (must be ≤ 0)",
    "RREV-00006": "The RORD line is not processed as Return Flag or Cancel Flag is set (must be blank)",
    "RREV-00020": (
        _LEAD + "a unit price with more decimals than the policies allow (policies.unit_price_places)"
    ),
    # --- revrec: events ----------------------------------------------------------------------------
    "RREV-01001": "The event is not processed due to missing line reference (Doc Line Id)",
    "RREV-01002": (
        "The event is not processed as the line reference does not match any transaction line in the system"
    ),
    "RREV-01003": "The event is not processed due to missing Event Type",
    "RREV-01004": "The event is not processed as the Event Type {event_type} is not set up",
    "RREV-01005": "The event is not processed due to invalid Action (valid: REC, DEF)",
    "RREV-01006": "The event is not processed due to missing Event Date",
    "RREV-01007": "The event is not processed due to invalid Process Type (valid: PERCENT, AMOUNT, QUANTITY)",
    "RREV-01008": "The event is not processed due to missing release percent, amount or quantity",
    "RREV-01009": "The event is not processed due to invalid release percent (must be between 0 and 100)",
    "RREV-01010": (
        "The event is not processed as more than one of release percent, amount and quantity is given"
    ),
    "RREV-01011": (
        "The event is not processed due to a negative release amount or quantity (use Action DEF to defer)"
    ),
    "RREV-01012": "The event is not processed due to invalid Cumulative Flag value (valid: Y, N, blank)",
    "RREV-01013": (
        "The event is not processed as its Process Type {given} differs from {expected}, the process type of"
        " Event Type {event_type}"
    ),
    # --- revrec: bundle configurations -------------------------------------------------------------
    "RREV-02001": "The bundle row is not processed due to missing Bndl Cfg Item Num",
    "RREV-02002": "The bundle row is not processed due to invalid {label} (valid: {valid}, blank)",
    "RREV-02003": "The bundle parent {item} is not processed due to missing Bndl Cfg Valid From",
    "RREV-02004": "The bundle row is not processed as Bndl Cfg Valid Until is before Bndl Cfg Valid From",
    "RREV-02005": "The bundle parent {item} is not processed as a parent row must not have a Parent Item Num",
    "RREV-02006": "The bundle parent {item} is not processed due to missing Sell Price Split Type",
    "RREV-02007": "The bundle row is not processed due to invalid Bndl Cfg Quantity (must be > 0 or blank)",
    "RREV-02008": "The bundle row is not processed due to invalid Bndl Cfg Duration (must be > 0 or blank)",
    "RREV-02009": "The bundle row is not processed due to a negative {label}",
    "RREV-02010": "The bundle child {item} is not processed as its parent item {parent} is not in the upload",
    "RREV-02011": "The bundle parent {item} is not processed as it has no children",
    "RREV-02012": (
        "The {price} split percentages of the children of bundle parent {item} total {total}, not 100"
    ),
    "RREV-02013": (
        "The bundle child {item} is not processed due to missing {label} ({split} split of parent {parent})"
    ),
    "RREV-02014": (
        "The bundle child {item} is not processed as {label} is given but parent"
        " {parent} does not split {price}"
    ),
    "RREV-02015": "The bundle parent {parent} lists child item {item} more than once",
    "RREV-02016": "The bundle parent {item} has overlapping validity windows in the upload",
    # --- revrec: pre-stage (whole file) ------------------------------------------------------------
    "RREV-03001": "The upload file is not valid UTF-8 text",
    "RREV-03002": "The upload file has no header row",
    "RREV-03003": 'Column label "{label}" is not in template "{template}"',
    "RREV-03004": 'Required column "{label}" of template "{template}" is missing from the header',
    "RREV-03005": 'Column label "{label}" appears more than once in the header',
    "RREV-03006": "The row has {found} fields but the header has {expected}",
    "RREV-03007": (
        "The value is not a number: use digits with an optional leading minus sign (no blank after it) and"
        " an optional decimal point; no thousands separators, exponents or other signs"
    ),
    "RREV-03008": "The value is not a valid date in the template's date format {date_format}",
    "RREV-03009": "The upload has more than {limit} data lines; split it into files of at most {limit} lines",
    "RREV-03010": "The row is not valid CSV: {detail}",
    "RREV-03011": "The number has more than {limit} digits",
    "RREV-03012": "The value has {length} characters; {label} holds at most {limit}",
    "RREV-03013": "The value contains the control character {char}; remove it",
    "RREV-03014": (
        'The header has {found} columns but template "{template}" has only {limit}; nothing more was read'
    ),
    "RREV-03015": (
        "The line is longer than {limit} bytes (REVREC_MAX_LINE_BYTES); nothing after it was read"
    ),
    "RREV-03016": "The upload has no data lines: send at least one row after the header",
    # --- cost lines (type CST; revrec.inbound.cost_rules, revrec.costs) ---------------------------
    "RPRO-00039": "The CST line is not processed due to invalid Cost Def Segments",
    "RPRO-00040": "The CST line is not processed due to missing Cost Def Segments",
    "RPRO-00041": "The CST line is not processed due to invalid Cost Rev Segments",
    "RPRO-00042": "The CST line is not processed due to missing Cost Rev Segments",
    "RPRO-00045": (
        "The CST line is not processed due to invalid currency code or invalid rounding of the cost amount"
    ),
    "RPRO-00048": "The CST line is not processed due to invalid Cost type name",
    "RREV-04301": "The CST line is not processed due to missing Cost Line Id",
    "RREV-04302": "The CST line is not processed due to missing related line (Doc Line Id)",
    "RREV-04303": "The CST line is not processed due to missing Cost Type",
    "RREV-04304": "The CST line is not processed due to missing Cost Amt",
    "RREV-04305": "The CST line is not processed due to invalid Cost Amt (must be > 0)",
    "RREV-04306": "The CST line is not processed as Cost Line Id {cost_line_id} is already recorded",
    "RREV-04307": "The CST line is not processed as cost type {cost_type} is no longer set up",
    # --- revrec: variable consideration estimates (revrec.vc.staging) -----------------------------
    "RREV-04101": "The VC estimate is not processed due to missing Doc Line Id",
    "RREV-04102": (
        "The VC estimate is not processed as VC Type {vc_type!r} is not an enabled VC type of the client"
    ),
    "RREV-04103": "The VC estimate is not processed due to missing Estimate Date",
    "RREV-04104": "The VC estimate is not processed as it has no amount: give Most Likely Amt or scenarios",
    "RREV-04105": "The VC estimate is not processed as scenario {n} has {given} but not {missing}",
    "RREV-04106": "The VC estimate is not processed as the scenario percentages total {total}, not 100",
    "RREV-04107": "The VC estimate is not processed as scenario {n} Pct {pct} is not > 0 and <= 100",
    "RREV-04108": "The VC estimate is not processed due to invalid Actual Flag (valid: Y, N, blank)",
    "RREV-04109": (
        "The VC estimate is not processed as VC type {vc_type!r} uses volume tiers: give Expected Qty (>= 0)"
        " and no amount"
    ),
    "RREV-04110": "The VC estimate is not processed as an actual (Actual Flag Y) needs Most Likely Amt only",
    "RREV-04111": (
        "The VC estimate is not processed as Doc Line Id {line} is not a staged or collected SO line"
    ),
    "RREV-04112": (
        "The transaction line is not processed as its settlement attribute {attribute} names {value!r}, "
        "which is not an enabled VC type of the client"
    ),
    "RREV-04113": (
        "The VC settlement bill is not collected as its currencies are not its SO line's ({curr}/{f_cur})"
    ),
}


def message(code: str, **params: object) -> str:
    """The message of ``code`` with its placeholders filled from ``params``."""
    text = MESSAGES[code]
    return text.format(**params) if params else text
