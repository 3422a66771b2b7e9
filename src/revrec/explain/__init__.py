"""Explanations: how every stored amount of a contract was computed, from the engine's provenance."""
