#!/usr/bin/env bash
# Catalog API: migrate, create the admin from RIPPLE_ADMIN_* (if set), serve with gunicorn on :8000.
# The same script runs in the container and under `make dev`.
set -euo pipefail
cd "${CATALOG_DIR:-$(dirname "$0")/../../services/catalog}"
python manage.py migrate --noinput
python manage.py ensure_admin
python manage.py collectstatic --noinput -v0
exec gunicorn catalog_site.wsgi:application \
  --bind "${CATALOG_BIND:-127.0.0.1:8000}" \
  --workers "${GUNICORN_WORKERS:-2}" --threads "${GUNICORN_THREADS:-4}" \
  --access-logfile - --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}"
