"""WSGI entry point of the catalog API (gunicorn serves `catalog_site.wsgi:application`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalog_site.settings")
application = get_wsgi_application()
