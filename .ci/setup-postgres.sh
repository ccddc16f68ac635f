#!/usr/bin/env bash
# Installs PostgreSQL 15 + pgvector (built from Debian trixie's source package), starts the cluster and creates
# the test role and database. Idempotent: safe to run again. Prints `export DATABASE_URL=...` on its last line, so
#   eval "$(.ci/setup-postgres.sh | tail -n 1)"
# sets it in the calling shell.
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-15}"
PG_CONFIG="/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config"
DB_USER="${ARCHON_TEST_DB_USER:-archon}"
DB_PASSWORD="${ARCHON_TEST_DB_PASSWORD:-archon}"
DB_NAME="${ARCHON_TEST_DB_NAME:-archon_test}"
DB_PORT="${ARCHON_TEST_DB_PORT:-5432}"
BUILD_DIR="${PGVECTOR_BUILD_DIR:-/tmp/pgvector-build}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

log() { echo "[setup-postgres] $*" >&2; }

# 1. PostgreSQL server and build tools (binary packages from the system's own suite only).
if [ ! -x "/usr/lib/postgresql/${PG_MAJOR}/bin/postgres" ]; then
  log "installing postgresql-${PG_MAJOR}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "postgresql-${PG_MAJOR}" >&2
fi

pgvector_installed() {
  [ -f "$("$PG_CONFIG" --sharedir)/extension/vector.control" ] && [ -f "$("$PG_CONFIG" --pkglibdir)/vector.so" ]
}

# 2. pgvector, built from the trixie *source* package (no binary packages are taken from trixie).
if ! pgvector_installed; then
  SRC_LIST=/etc/apt/sources.list.d/trixie-src.sources
  if [ ! -f "$SRC_LIST" ]; then
    # The mirror the machine's own apt sources use (DEBIAN_MIRROR overrides it).
    MIRROR="$(bash "$(dirname "${BASH_SOURCE[0]}")/apt-mirror.sh")"
    log "adding deb-src for trixie from $MIRROR (source packages only)"
    $SUDO tee "$SRC_LIST" >/dev/null <<SRC
Types: deb-src
URIs: ${MIRROR}
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "postgresql-server-dev-${PG_MAJOR}" dpkg-dev make gcc >&2
  mkdir -p "$BUILD_DIR"
  cd "$BUILD_DIR"
  if ! ls -d pgvector-*/ >/dev/null 2>&1; then
    log "fetching pgvector source"
    apt-get source -qq pgvector >&2
  fi
  SRC_DIR="$(ls -d pgvector-*/ | head -n 1)"
  cd "$SRC_DIR"
  log "building pgvector in $BUILD_DIR/$SRC_DIR"
  make -s PG_CONFIG="$PG_CONFIG" OPTFLAGS="" >&2
  $SUDO make -s install PG_CONFIG="$PG_CONFIG" >&2
fi

# 3. Start the cluster.
if ! pg_lsclusters -h | awk -v v="$PG_MAJOR" '$1 == v && $2 == "main" && $4 == "online" { found = 1 } END { exit !found }'; then
  log "starting cluster ${PG_MAJOR}/main"
  $SUDO pg_ctlcluster "$PG_MAJOR" main start
fi
for _ in $(seq 1 30); do
  if $SUDO -u postgres psql -p "$DB_PORT" -qAtc "select 1" >/dev/null 2>&1 || runuser -u postgres -- psql -p "$DB_PORT" -qAtc "select 1" >/dev/null 2>&1; then break; fi
  sleep 1
done

psql_admin() {
  if [ -z "$SUDO" ]; then PGOPTIONS="-c client_min_messages=warning" runuser -u postgres -- psql -p "$DB_PORT" -v ON_ERROR_STOP=1 -qAt "$@"; else sudo -u postgres env PGOPTIONS="-c client_min_messages=warning" psql -p "$DB_PORT" -v ON_ERROR_STOP=1 -qAt "$@"; fi
}

# 4. Role and database; the vector extension is created by the superuser so the role needs no extra rights.
if [ "$(psql_admin -c "select 1 from pg_roles where rolname = '${DB_USER}'")" != "1" ]; then
  log "creating role ${DB_USER}"
  psql_admin -c "create role ${DB_USER} login password '${DB_PASSWORD}'"
fi
if [ "$(psql_admin -c "select 1 from pg_database where datname = '${DB_NAME}'")" != "1" ]; then
  log "creating database ${DB_NAME}"
  psql_admin -c "create database ${DB_NAME} owner ${DB_USER}"
fi
psql_admin -d "$DB_NAME" -c "create extension if not exists vector" -c "create extension if not exists pg_trgm"

log "pgvector $(psql_admin -d "$DB_NAME" -c "select extversion from pg_extension where extname = 'vector'") ready"
echo "export DATABASE_URL=postgres://${DB_USER}:${DB_PASSWORD}@127.0.0.1:${DB_PORT}/${DB_NAME}"
