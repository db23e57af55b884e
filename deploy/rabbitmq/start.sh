#!/usr/bin/env bash
# Start RabbitMQ, then give each Ripple user its password from the environment (never committed).
# definitions.json creates the users without a password, so nobody can log in before this runs.
set -euo pipefail

rabbitmq-server &
server=$!
trap 'kill -TERM "$server"; wait "$server"' TERM INT

until rabbitmq-diagnostics -q check_running >/dev/null 2>&1; do sleep 1; done
for user in catalog media search notifications flower ripple-admin; do
  var="RABBITMQ_PASSWORD_$(echo "$user" | tr 'a-z-' 'A-Z_')"
  password="${!var:?$var must be set (see .env.example)}"
  rabbitmqctl -q change_password "$user" "$password"
done
touch /tmp/ripple-passwords-set
echo "ripple: passwords set for every user"
wait "$server"
