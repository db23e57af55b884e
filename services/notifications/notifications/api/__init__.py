"""The notifications REST API under /api/v1/: webhook endpoints, e-mail recipients, the delivery log."""
