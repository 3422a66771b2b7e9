"""revrec: an open-source revenue recognition server speaking the Zuora Revenue integration API."""

__version__ = "0.1.0"
