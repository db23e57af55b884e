"""`manage.py runserver` on the search API's own port, 8001, like every other way of running it."""

from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand


class Command(RunserverCommand):
    """Django's development server (serving static files too), defaulting to port 8001."""

    default_port = "8001"
