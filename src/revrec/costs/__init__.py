"""Costs of obtaining and fulfilling a contract (ASC 340-40): setup, cost lines, schedules, impairment."""
