"""The HTTP edge: app factory, dependencies, middleware and the one error mapping."""
