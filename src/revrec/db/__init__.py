"""Storage: table metadata, exact money column types, engine factory and Alembic migrations."""
