"""`manage.py ensure_reader`: the account other services read the catalog with, from CATALOG_API_TOKEN.

Search's `reindex` and the audits of media and search call the catalog with CATALOG_API_TOKEN.
Where the catalog's environment has that token too (compose and `make dev` give every service
the same one), its `migrate` role makes it the token of the user `catalog-reader`, who may only
view products and media (`catalog.view_product`, `catalog.view_productmedia`): what those calls
need and nothing more. Idempotent; nothing happens while CATALOG_API_TOKEN is unset, and a token
that already belongs to another user (an operator gave the services the admin's) is left to it.
"""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from ripple_runtime.adminuser.management.commands.ensure_admin import TOKEN_PATTERN

READER = "catalog-reader"
PERMISSIONS = ("view_product", "view_productmedia")


class Command(BaseCommand):
    """Create or update `catalog-reader` and its token; take away any other permission it was given."""

    help = "Create or update the read-only account of CATALOG_API_TOKEN (user catalog-reader)."

    def handle(self, *args, **options):
        """Make the database match CATALOG_API_TOKEN."""
        token = os.environ.get("CATALOG_API_TOKEN", "")
        if not token:
            self.stdout.write("CATALOG_API_TOKEN is not set; no reader account made.")
            return
        if not TOKEN_PATTERN.fullmatch(token):
            raise CommandError("CATALOG_API_TOKEN must be 20 to 40 ASCII letters and digits.")
        with transaction.atomic():
            held = Token.objects.filter(key=token).exclude(user__username=READER).select_related("user")
            owner = held.first()
            if owner is not None:
                holder = owner.user.get_username()
                self.stdout.write(f"CATALOG_API_TOKEN is the token of {holder!r}; left to it.")
                return
            reader, created = get_user_model().objects.get_or_create(username=READER)
            reader.is_staff = reader.is_superuser = False
            reader.is_active = True
            reader.set_unusable_password()
            reader.save()
            reader.user_permissions.set(
                Permission.objects.filter(content_type__app_label="catalog", codename__in=PERMISSIONS)
            )
            reader.groups.clear()
            Token.objects.filter(user=reader).exclude(key=token).delete()
            Token.objects.get_or_create(user=reader, key=token)
        self.stdout.write(f"reader account {READER!r} {'created' if created else 'updated'}")
