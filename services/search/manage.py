#!/usr/bin/env python
"""Django's command-line entry point for the search service."""

import os
import sys


def main() -> None:
    """Run a management command with the search service's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "search_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
