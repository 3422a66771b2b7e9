"""Outbound reports: generators, the file store with JSON sidecars, listing, download and signed URLs."""
