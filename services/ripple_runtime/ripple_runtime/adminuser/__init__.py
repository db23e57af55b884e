"""The `ensure_admin` command every service with an API or admin uses (RIPPLE_ADMIN_* variables)."""
