"""Inbound: upload templates, pre-stage checks and staging validation of uploaded data."""
