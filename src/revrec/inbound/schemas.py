"""The documented answers of the inbound operations (mapping, uploads, upload status, stage errors)."""

from __future__ import annotations

from typing import Any

from revrec.http.schemas import Answer


class MappingField(Answer):
    client_id: int
    col_name: str
    data_type: str
    id: int
    label: str
    seq: int
    upload_id: int


class Mapping(Answer):
    Dateformat: str | None = None
    Mapping: list[MappingField]


class Problem(Answer):
    """One refused cell or row of an upload."""

    row: int | None = None
    column: str | None = None
    value: str | None = None
    code: str
    reason: str


class UploadResult(Answer):
    client_id: int
    id: int | None = None
    message: str
    status: str
    errors: list[Problem] | None = None


class UploadAnswer(Answer):
    """POST_Upload: ``status`` Success (200) or Error (400, with ``result.errors``)."""

    message: str
    result: UploadResult
    status: str


class FileUploadAnswer(Answer):
    """POST_UploadFile: ``status`` Success (200) or Error (400, with ``errors``)."""

    message: str
    status: str
    file_request_id: int | None = None
    errors: list[Problem] | None = None


class UploadStatus(Answer):
    result: UploadResult
    status: str


class UploadNotFound(Answer):
    Result: str
    message: str
    status: str


class FileLog(Answer):
    file_log: str
    file_request_id: int


class FileUploadStatus(Answer):
    Result: list[FileLog]
    message: str | None = None
    status: str
    errors: list[Problem] | None = None


class StageErrors(Answer):
    """Staging rows in error: their columns plus ``err_msg``."""

    Result: list[dict[str, Any]]
    status: str
