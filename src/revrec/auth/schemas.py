"""The documented answer of POST_Authenticate (the token itself travels in header ``Revpro-Token``)."""

from __future__ import annotations

from revrec.http.schemas import Answer


class TokenGenerated(Answer):
    Message: str
    status: str
