#!/usr/bin/env bash
# The one entry point of every Ripple process, in a container and under `make dev` alike.
#
#   ripple.sh catalog migrate|api|relay
#   ripple.sh media migrate|worker
#   ripple.sh search migrate|api|worker
#   ripple.sh notifications migrate|api|worker
#   ripple.sh flower
#   ripple.sh SERVICE health ROLE     (the container healthcheck of that process)
#   ripple.sh SERVICE manage COMMAND [ARGS…]   (a management command, with the URLs built below)
#
# Settings come from the environment (README: configuration). RIPPLE_BIND_HOST is 127.0.0.1
# natively and 0.0.0.0 in containers; ports as the README lists them ("Where everything is").
set -euo pipefail

ROOT="${RIPPLE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
HOST="${RIPPLE_BIND_HOST:-127.0.0.1}"
service="${1:?usage: ripple.sh SERVICE ROLE}"
role="${2:-}"
# Every log line and span says which process it came from (ripple_runtime.tracing).
export RIPPLE_PROCESS_ROLE="$role"

port_of() {
  case "$1" in
    catalog) echo "${CATALOG_PORT:-8000}" ;;
    search) echo "${SEARCH_PORT:-8001}" ;;
    notifications) echo "${NOTIFICATIONS_PORT:-8002}" ;;
    *) echo "no API for $1" >&2; exit 2 ;;
  esac
}

# DATABASE_URL_<SERVICE> (e.g. DATABASE_URL_SEARCH) gives one service a database of its own;
# otherwise DATABASE_URL, which every service may share (each keys its own rows).
own_database="DATABASE_URL_$(echo "$service" | tr 'a-z-' 'A-Z_')"
if [ -n "${!own_database:-}" ]; then
  DATABASE_URL="${!own_database}"
  export DATABASE_URL
fi
# In compose and k8s, each service's URLs are built here from the host names and its own password
# (POSTGRES_PASSWORD_<SERVICE>, RABBITMQ_PASSWORD_<SERVICE> from .env); natively they come
# from the environment or the settings' defaults.
secret_of() {
  local var
  var="$1_$(echo "$2" | tr 'a-z-' 'A-Z_')"
  echo "${!var:?$var must be set (see .env.example)}"
}
# Assign, then export: `export X="$(secret_of ...)"` would hide a missing password from `set -e`.
if [ -n "${RIPPLE_POSTGRES_HOST:-}" ] && [ -z "${DATABASE_URL:-}" ] && [ "$service" != flower ]; then
  DATABASE_URL="postgres://$service:$(secret_of POSTGRES_PASSWORD "$service")@$RIPPLE_POSTGRES_HOST:5432/$service"
  export DATABASE_URL
fi
if [ -n "${RIPPLE_RABBITMQ_HOST:-}" ] && [ -z "${BROKER_URL:-}" ]; then
  # Users and vhost as deploy/rabbitmq/definitions.json declares them (a prefix lets tests
  # import those definitions into a shared broker).
  user="${RIPPLE_RABBITMQ_USER_PREFIX:-}$service"
  BROKER_URL="amqp://$user:$(secret_of RABBITMQ_PASSWORD "$service")@$RIPPLE_RABBITMQ_HOST:${RIPPLE_RABBITMQ_PORT:-5672}/${RIPPLE_RABBITMQ_VHOST:-ripple}"
  export BROKER_URL
  if [ "$service" = flower ] && [ -n "${RIPPLE_RABBITMQ_MANAGEMENT_PORT:-}" ]; then
    FLOWER_BROKER_API="http://$user:$(secret_of RABBITMQ_PASSWORD flower)@$RIPPLE_RABBITMQ_HOST:$RIPPLE_RABBITMQ_MANAGEMENT_PORT/api/"
    export FLOWER_BROKER_API
  fi
fi

if [ "$service" = flower ] && [ "$role" = health ]; then
  exec python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${FLOWER_PORT:-5555}/healthcheck', timeout=5)"
fi
if [ "$service" = flower ]; then
  # One Flower for every worker: it follows the task events of the whole vhost. Never without auth.
  : "${FLOWER_BASIC_AUTH:?FLOWER_BASIC_AUTH=user:password is required}"
  export FLOWER_BASIC_AUTH
  # ripple_runtime.flower is `celery … flower` with /metrics behind the same basic auth.
  exec python -m ripple_runtime.flower --broker="${BROKER_URL:-amqp://guest:guest@127.0.0.1:5672//}" flower \
    --address="$HOST" --port="${FLOWER_PORT:-5555}"
fi

# Metrics (README: metrics): every API, relay and worker serves /metrics on METRICS_PORT, by default
# METRICS_BASE_PORT (9400) plus its role's offset; its processes (gunicorn's workers, Celery's
# prefork children, a worker's relay) record into a fresh directory the serving process removes.
metrics_offset() {
  case "$1 $2" in
    "catalog api") echo 0 ;;
    "catalog relay") echo 1 ;;
    "catalog worker") echo 2 ;;
    "media worker") echo 3 ;;
    "search api") echo 4 ;;
    "search worker") echo 5 ;;
    "notifications api") echo 6 ;;
    "notifications worker") echo 7 ;;
  esac
}
offset="$(metrics_offset "$service" "$role")"
case "${METRICS_ENABLED:-1}" in 0 | false | False | FALSE | no | off) offset="" ;; esac
if [ -n "$offset" ]; then
  METRICS_PORT="${METRICS_PORT:-$((${METRICS_BASE_PORT:-9400} + offset))}"
  PROMETHEUS_MULTIPROC_DIR="$(mktemp -d -t "ripple-metrics-$service-$role.XXXXXX")"
  RIPPLE_METRICS_DIR_OWNER="$$" # the process exec'd below keeps this pid
  export METRICS_PORT PROMETHEUS_MULTIPROC_DIR RIPPLE_METRICS_DIR_OWNER
fi

cd "$ROOT/services/$service"
case "$role" in
  migrate)
    # Migrations, the admin user and token (RIPPLE_ADMIN_*), static files: one Django process.
    exec python "$ROOT/deploy/entrypoints/migrate.py" "$service"
    ;;
  api)
    exec gunicorn "${service}_site.wsgi:application" \
      --bind "$HOST:$(port_of "$service")" \
      --workers "${GUNICORN_WORKERS:-2}" --threads "${GUNICORN_THREADS:-4}" \
      --timeout "${GUNICORN_TIMEOUT:-60}" --access-logfile - \
      --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" --no-control-socket \
      --config python:ripple_runtime.metrics.gunicorn_config
    ;;
  worker)
    # No mingle or gossip: each service is its own cluster, and neighbours of other services in the
    # same vhost have nothing to sync (mingling with them only slows start-up).
    exec celery -A "${service}_site.celery" worker -n "$service@%h" --without-mingle --without-gossip \
      --loglevel "${LOG_LEVEL:-INFO}" --concurrency "${WORKER_CONCURRENCY:-2}"
    ;;
  relay)
    exec python manage.py relay_outbox
    ;;
  manage)
    # e.g. `docker compose exec media-worker /app/deploy/entrypoints/ripple.sh media manage audit`
    exec python manage.py "${@:3}"
    ;;
  health)
    case "${3:?usage: ripple.sh SERVICE health ROLE}" in
      api) exec python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$(port_of "$service")/healthz', timeout=5)" ;;
      worker) exec celery -A "${service}_site.celery" inspect ping -d "$service@$(uname -n)" --timeout 5 ;;
      relay) exec python manage.py relay_outbox --healthcheck ;;
      *) echo "no healthcheck for $3" >&2; exit 2 ;;
    esac
    ;;
  *)
    echo "unknown role '$role' for $service" >&2
    exit 2
    ;;
esac
