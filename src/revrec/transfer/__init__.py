"""Transfer accounting (GL outbound): transfer batches of posted journal entries (docs/outbound.md)."""
