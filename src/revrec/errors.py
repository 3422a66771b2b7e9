"""Request-level failures shared by every domain package.

Each domain package raises subclasses of these kinds; none carries an HTTP status. ``revrec.http.errors``
alone maps a kind to a status code and the API's JSON error body, and the CLI maps them to exit codes.
"""

from __future__ import annotations


class RevrecError(Exception):
    """Base of every expected failure; ``message`` says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(RevrecError):
    """The request or command is malformed or names something that does not exist."""


class NotFound(RevrecError):
    """The named thing does not exist for this client."""


class Conflict(RevrecError):
    """The request conflicts with the current state (duplicate name, wrong status)."""


class NotAuthenticated(RevrecError):
    """Credentials or token missing, wrong or expired."""


class Forbidden(RevrecError):
    """Authenticated, but the role may not do this."""


class ApiDisabled(RevrecError):
    """The client's API service is not enabled."""


class Throttled(RevrecError):
    """Too many attempts or requests; retry after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooLarge(RevrecError):
    """The request body exceeds the configured limit."""
