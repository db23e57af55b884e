"""WSGI entry point of the search API (gunicorn serves `search_site.wsgi:application` on :8001)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "search_site.settings")
application = get_wsgi_application()
