"""WSGI entry point of the notifications API (`gunicorn notifications_site.wsgi -b 0.0.0.0:8002`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "notifications_site.settings")

application = get_wsgi_application()
