"""The catalog's Django project: settings, URLs, middleware and health endpoints."""
