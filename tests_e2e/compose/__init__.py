"""`docker compose up --build` for real: the whole system in containers, tested through its ports."""
