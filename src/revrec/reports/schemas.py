"""The documented JSON answers of the report operations (the files themselves are CSV or zip)."""

from __future__ import annotations

from revrec.http.schemas import Answer


class Report(Answer):
    category: str
    file_name: str
    id: int
    layout_name: str
    rep_desc: str
    rep_name: str
    report_date: str
    status: str


class ReportList(Answer):
    Message: str
    Result: list[Report]
    status: str


class ReportListError(Answer):
    """400 of GET_ReportList (Zuora's capitalised ``Message``)."""

    Message: str
    status: str


class BadReportId(Answer):
    Message: str
    Result: str
    status: str


class SignedUrl(Answer):
    signed_url: str
    success: bool


class SignedFailure(Answer):
    """403 (tampered with or expired) or 404 (unknown report) of the signed-URL operations."""

    error: str
    success: bool
