"""Revenue policies: the client's engine configuration, stored as one document and part of the setup."""
