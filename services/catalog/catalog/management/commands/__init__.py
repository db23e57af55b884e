"""`manage.py ensure_reader`."""
