"""WSGI entry of the naive shop (gunicorn serves it as Ripple's catalog is served)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests_e2e.bench.naive.settings")
application = get_wsgi_application()
