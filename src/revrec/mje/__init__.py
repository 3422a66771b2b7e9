"""Manual journal entries (MJE): keyed, uploaded, approved, posted, reversed; docs/controls.md."""
