"""Authentication: passwords (argon2), JWT tokens, throttling, privileges."""
