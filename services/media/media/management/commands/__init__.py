"""`manage.py audit`."""
