#!/usr/bin/env bash
# Outbox relay: wait until the API's migrations are applied, then publish the outbox to RabbitMQ.
# The same script runs in the container and under `make dev`.
set -euo pipefail
cd "${CATALOG_DIR:-$(dirname "$0")/../../services/catalog}"
until python manage.py migrate --check >/dev/null 2>&1; do
  echo "relay: waiting for the catalog's migrations"; sleep 1
done
exec python manage.py relay_outbox
