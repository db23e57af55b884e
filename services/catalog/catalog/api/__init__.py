"""The catalog's REST API under /api/v1/."""
