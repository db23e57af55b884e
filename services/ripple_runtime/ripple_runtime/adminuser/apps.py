"""App configuration of the admin-user command."""

from django.apps import AppConfig


class AdminUserConfig(AppConfig):
    """Provides `manage.py ensure_admin`; needs django.contrib.auth and rest_framework.authtoken."""

    name = "ripple_runtime.adminuser"
    label = "ripple_adminuser"
