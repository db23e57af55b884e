"""`manage.py ensure_admin`: create or update the admin user and API token from RIPPLE_ADMIN_*."""

from __future__ import annotations

import os
import re

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9]{20,40}")


class Command(BaseCommand):
    """Idempotent: nothing happens while RIPPLE_ADMIN_USER is unset."""

    help = "Create or update the admin user (and token) from RIPPLE_ADMIN_USER/PASSWORD/TOKEN."

    def handle(self, *args, **options):
        """Read the environment and make the database match it."""
        username = os.environ.get("RIPPLE_ADMIN_USER", "")
        password = os.environ.get("RIPPLE_ADMIN_PASSWORD", "")
        token = os.environ.get("RIPPLE_ADMIN_TOKEN", "")
        if not username:
            self.stdout.write("RIPPLE_ADMIN_USER is not set; no admin user created.")
            return
        if not password:
            raise CommandError("RIPPLE_ADMIN_PASSWORD must be set along with RIPPLE_ADMIN_USER.")
        if token and not TOKEN_PATTERN.fullmatch(token):
            raise CommandError("RIPPLE_ADMIN_TOKEN must be 20 to 40 ASCII letters and digits.")
        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(username=username)
            user.is_staff = user.is_superuser = user.is_active = True
            user.set_password(password)
            user.save()
            if token:
                if Token.objects.filter(key=token).exclude(user=user).exists():
                    raise CommandError("RIPPLE_ADMIN_TOKEN is already the token of another user.")
                Token.objects.filter(user=user).exclude(key=token).delete()
                Token.objects.get_or_create(user=user, key=token)
        self.stdout.write(f"admin user {username!r} {'created' if created else 'updated'}")
