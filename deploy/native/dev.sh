#!/usr/bin/env bash
# `make dev`: the whole system natively, as deploy/Procfile lists it. Called by the Makefile as
#   deploy/native/dev.sh MAKE        (RIPPLE_VAR_DIR set; MAKE: the make that runs `install`)
#
# In order: take the lock of RIPPLE_VAR_DIR (a second `make dev` on it refuses at once, before it
# touches anything), refuse ports already in use, install, then the environment: what the user
# set wins over var/dev.env's generated secrets; then the four migrate roles in parallel, and
# honcho, which holds the lock until it ends. Once every API answers, announce.py says where
# everything is.
set -euo pipefail

make_command="${1:?usage: dev.sh MAKE}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
var="${RIPPLE_VAR_DIR:?RIPPLE_VAR_DIR must be set}"
started="$(python3 -c 'import time; print(time.time())')"

# The lock: flock(2) on fd 9, which this shell keeps, and honcho after it (python3, unlike the
# flock command, is on every machine that can run make dev).
mkdir -p "$var"
exec 9>>"$var/dev.lock"
if ! python3 -c 'import fcntl; fcntl.flock(9, fcntl.LOCK_EX | fcntl.LOCK_NB)' 2>/dev/null; then
  echo "make dev: already running on $var (pid $(cat "$var/dev.pid" 2>/dev/null || echo '?')):" \
    "stop that one first (Ctrl-C), or give this one its own RIPPLE_VAR_DIR and ports" >&2
  exit 1
fi
echo "$$" >"$var/dev.pid"

# Each API, relay and worker serves /metrics on METRICS_BASE_PORT plus its offset 0..7 (ripple.sh).
metrics_ports=()
case "${METRICS_ENABLED:-1}" in 0 | false | False | FALSE | no | off) ;; *)
  for offset in 0 1 2 3 4 5 6 7; do metrics_ports+=("$((${METRICS_BASE_PORT:-9400} + offset))"); done ;;
esac
for port in "${CATALOG_PORT:-8000}" "${SEARCH_PORT:-8001}" "${NOTIFICATIONS_PORT:-8002}" \
  "${FLOWER_PORT:-5555}" "${EMAIL_PORT:-1025}" "${metrics_ports[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "make dev: 127.0.0.1:$port is in use (another make dev, or docker compose up?); stop it" \
      "or move this one's ports (CATALOG_PORT, SEARCH_PORT, NOTIFICATIONS_PORT, FLOWER_PORT, EMAIL_PORT, METRICS_BASE_PORT)" >&2
    exit 1
  fi
done

"$make_command" --no-print-directory install "$var/dev.env"

# var/dev.env fills in only what the environment leaves unset (or empty).
while IFS= read -r line; do
  [[ "$line" =~ ^[A-Z_][A-Z0-9_]*= ]] || continue
  name="${line%%=*}"
  [ -n "${!name:-}" ] || export "$line"
done <"$var/dev.env"
export PATH="$root/.venv/bin:$PATH" RIPPLE_VAR_DIR="$var"
# Defaults for one developer's machine: media served by the catalog, one API process per service.
export SERVE_MEDIA="${SERVE_MEDIA:-1}" GUNICORN_WORKERS="${GUNICORN_WORKERS:-1}"
export NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK="${NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK:-1}"

cd "$root"
pids=()
while IFS=: read -r name command; do
  [ -n "$name" ] || continue
  $command 2>&1 | while IFS= read -r out; do printf '%s | %s\n' "$name" "$out"; done &
  pids+=("$!")
done <deploy/Procfile.init
failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed=1
done
if [ "$failed" = 1 ]; then
  echo "make dev: a migrate step failed (its lines above); nothing started" >&2
  exit 1
fi

python deploy/native/announce.py "$started" &
exec python -m honcho -f deploy/Procfile -d "$root" start
