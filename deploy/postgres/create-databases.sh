#!/usr/bin/env bash
# First start of the postgres container: one database and one owner per service, and no service
# may connect to another's database (PUBLIC's default CONNECT right is revoked).
set -euo pipefail
for service in catalog media search notifications; do
  var="POSTGRES_PASSWORD_$(echo "$service" | tr 'a-z' 'A-Z')"
  password="${!var:?$var must be set (see .env.example)}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v name="$service" -v password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE CONNECT, TEMPORARY ON DATABASE :"name" FROM PUBLIC;
SQL
done
