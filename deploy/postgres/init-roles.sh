#!/usr/bin/env bash
# Creates the roles and databases of every Sentry WMS service, as
# docs/platform-contract.md ("Databases and roles") lays them out:
#   <svc>_owner  NOLOGIN  owns the database and, through sentry-migrate, its objects
#   <svc>        LOGIN    the app role, password from <SVC>_DB_PASSWORD
#   database <svc>, owned by <svc>_owner, CONNECT for <svc> only
#
# Where it runs:
# - docker compose and the dev Kubernetes overlay mount it into the official
#   postgres image's /docker-entrypoint-initdb.d, which runs it once, when the
#   data directory is first initialised (a later password change needs
#   `docker compose down -v`, or this script run again by hand);
# - anywhere else with psql and the standard PG* variables (PGHOST, PGUSER,
#   PGPASSWORD) pointing at a role allowed to create roles and databases.
# Every statement is idempotent and re-running it resets the app passwords to
# the values given, so it is also the way to rotate them.
set -euo pipefail

services="${SENTRY_SERVICES:-gateway inventory inbound dispatcher connectors audit}"

# Refuse before touching anything: a role created with no password would
# quietly lock its service out.
for service in $services; do
  variable="${service^^}_DB_PASSWORD"
  if [[ -z "${!variable:-}" ]]; then
    echo "init-roles: ${variable} is not set; no role or database was created" >&2
    exit 1
  fi
done

for service in $services; do
  variable="${service^^}_DB_PASSWORD"
  # Values travel as psql variables and are quoted by psql (:'...', :"...")
  # or by format(%I, %L), so a password can never be read as SQL.
  psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 \
    --username "${PGUSER:-${POSTGRES_USER:-postgres}}" \
    --dbname "${PGDATABASE:-postgres}" \
    --set app="$service" \
    --set owner="${service}_owner" \
    --set password="${!variable}" <<'SQL'
SELECT format('CREATE ROLE %I NOLOGIN', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
ALTER ROLE :"app" WITH LOGIN PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'app', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'app') \gexec
-- No service reads another service's tables: only its own app role (and
-- the administrators) may connect to its database.
REVOKE ALL ON DATABASE :"app" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"app" TO :"app";
SQL
  echo "init-roles: ${service}: roles ${service}_owner, ${service} and database ${service} ready"
done
