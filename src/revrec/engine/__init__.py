"""The pure accounting core: money, periods, contracts, allocation and schedules.

Imports only the standard library (enforced by tests/unit/test_engine_purity.py).
"""
