"""The inbox app: processed event ids (idempotency) and the dead-letter command of every service."""
