"""Tenancy: clients (tenants), organizations, books, roles and users."""
