"""The search app: a full-text index of products, kept in step with catalog events."""
