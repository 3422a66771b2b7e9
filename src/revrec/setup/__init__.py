"""Setup as code: one document per client holding everything a customer configures."""
