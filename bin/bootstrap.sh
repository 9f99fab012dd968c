#!/usr/bin/env bash
# Bring a machine from nothing to a running catalog (or to a testable one).
# Every step is idempotent: a second run reuses what exists.
# Usage: bin/bootstrap.sh install|services|databases|config|migrate|demo|serve|stop|test-config
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
RUN_DIR="$ROOT/.run"
CKAN="$VENV/bin/ckan"
PYTHON_BIN="${PYTHON:-python3}"
DB_USER="${GOVCATALOG_DB_USER:-govcatalog}"
DB_NAME="${GOVCATALOG_DB_NAME:-govcatalog}"
TEST_DB_NAME="${GOVCATALOG_TEST_DB_NAME:-govcatalog_test}"
TEST_WORKERS="${TEST_WORKERS:-2}"
DB_HOST=127.0.0.1
PORT="${GOVCATALOG_PORT:-5000}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
    say "Installing Debian packages: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- Python environment -----------------------------------------------------
install() {
    local stamp="$VENV/.installed-$(cat "$ROOT/requirements.txt" "$ROOT/dev-requirements.txt" "$ROOT/pyproject.toml" | sha1sum | cut -c1-12)"
    if [ -f "$stamp" ]; then return 0; fi
    if ! "$PYTHON_BIN" -c 'import venv, ensurepip' 2>/dev/null; then apt_install python3-venv python3-dev; fi
    if ! command -v pg_config >/dev/null && ! "$PYTHON_BIN" -c 'import psycopg2' 2>/dev/null; then
        apt_install libpq-dev
    fi
    browser_prerequisites
    [ -x "$VENV/bin/python" ] || "$PYTHON_BIN" -m venv "$VENV"
    say "Installing Python packages (CKAN 2.12, scheming, dcat, harvest, pythainlp)"
    "$VENV/bin/pip" install -q --upgrade pip wheel setuptools
    "$VENV/bin/pip" install -q -r "$ROOT/requirements.txt" -r "$ROOT/dev-requirements.txt"
    "$VENV/bin/pip" install -q --no-deps -e "$ROOT"
    rm -f "$VENV"/.installed-*
    touch "$stamp"
}

browser_prerequisites() {
    # The browser tests drive Debian's Chromium; without a Thai font every Thai glyph is a box.
    local missing=()
    command -v chromium >/dev/null || missing+=(chromium)
    fc-list 2>/dev/null | grep -qi -e tlwg -e "noto.*thai" || missing+=(fonts-thai-tlwg)
    if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

# --- PostgreSQL and Redis ---------------------------------------------------
pg_ready() { pg_isready -q -h "$DB_HOST" -p 5432 2>/dev/null; }

start_postgres() {
    if ! command -v pg_ctlcluster >/dev/null; then apt_install postgresql; fi
    if pg_ready; then return 0; fi
    say "Starting PostgreSQL"
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n1)"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do pg_ready && return 0; sleep 1; done
    echo "PostgreSQL did not start" >&2; exit 1
}

start_redis() {
    if ! command -v redis-server >/dev/null; then apt_install redis-server; fi
    if redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then return 0; fi
    say "Starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        --dir /tmp --logfile "$RUN_DIR/redis.log"
    for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && return 0; sleep 0.5; done
    echo "Redis did not start" >&2; exit 1
}

services() {
    mkdir -p "$RUN_DIR"
    start_postgres
    start_redis
}

# psql as the PostgreSQL superuser: through the local socket as the postgres OS user.
pg_super() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA "$@"
    elif [ "$(id -un)" = postgres ]; then psql -v ON_ERROR_STOP=1 -qtA "$@"
    else sudo -u postgres psql -v ON_ERROR_STOP=1 -qtA "$@"; fi
}

db_password() {
    # Generated once per machine (every clone shares the role), never committed; ckan.ini holds a copy.
    local dir="${XDG_CONFIG_HOME:-$HOME/.config}/govcatalog" file
    file="$dir/db-password"
    mkdir -p "$dir"
    [ -s "$file" ] || "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(24))' > "$file"
    chmod 600 "$file"
    cat "$file"
}

databases() {
    services
    local password
    password="$(db_password)"
    if [ "$(pg_super -c "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'")" != 1 ]; then
        say "Creating database role $DB_USER"
        pg_super -c "CREATE ROLE $DB_USER LOGIN PASSWORD '$password'"
    else
        pg_super -c "ALTER ROLE $DB_USER PASSWORD '$password'"
    fi
    local names=("$DB_NAME") test_db worker suffix
    # One test database per test worker (`make test` runs TEST_WORKERS of them), each with its
    # second catalogs: <db>_source (import tests), <db>_target (sync tests), <db>_wheel
    # (tests/test_packaging.py), <db>_harvester(_dcat) (national harvesters pulling from it),
    # <db>_aggregator (an aggregating catalog running govcatalog_harvester), <db>_plain (a plain CKAN source).
    for test_db in "$TEST_DB_NAME" $(for worker in $(seq 0 $((TEST_WORKERS - 1))); do
                                         echo "${TEST_DB_NAME}_gw$worker"; done); do
        for suffix in "" _source _target _wheel _harvester _harvester_dcat _aggregator _plain; do names+=("$test_db$suffix"); done
    done
    for name in "${names[@]}"; do
        if [ "$(pg_super -c "SELECT 1 FROM pg_database WHERE datname='$name'")" != 1 ]; then
            say "Creating database $name"
            pg_super -c "CREATE DATABASE $name OWNER $DB_USER ENCODING 'UTF8' TEMPLATE template0"
        fi
    done
}

db_url() { echo "postgresql://$DB_USER:$(db_password)@$DB_HOST/$1"; }

# --- Configuration ----------------------------------------------------------
config() {
    install
    databases
    local ini="$ROOT/ckan.ini"
    if [ ! -f "$ini" ]; then
        say "Writing ckan.ini (secrets generated, git-ignored)"
        "$CKAN" generate config "$ini" >/dev/null
    fi
    # Settings from the committed template; re-applied on every run so the template stays the truth.
    "$CKAN" config-tool "$ini" -f "$ROOT/deploy/ckan-settings.ini" >/dev/null
    "$CKAN" config-tool "$ini" \
        "sqlalchemy.url=$(db_url "$DB_NAME")" \
        "ckan.site_url=http://127.0.0.1:$PORT" \
        "ckan.storage_path=$ROOT/storage" >/dev/null
    if [ -n "${GOVCATALOG_REDIS_DB:-}" ]; then  # a checkout of its own next to another on one machine
        "$CKAN" config-tool "$ini" "ckan.redis.url=redis://127.0.0.1:6379/$GOVCATALOG_REDIS_DB" \
            "ckan.harvest.mq.redis_db=$GOVCATALOG_REDIS_DB" >/dev/null
    fi
    mkdir -p "$ROOT/storage"
    test_config
}

test_config() {
    # test-local.ini: the committed test.ini plus this machine's database and Redis URLs
    # (GOVCATALOG_TEST_DB_NAME and GOVCATALOG_TEST_REDIS_DB let two checkouts test side by side).
    cat > "$ROOT/test-local.ini" <<EOF
# Written by bin/bootstrap.sh; git-ignored.
[app:main]
use = config:ckan.ini
sqlalchemy.url = $(db_url "$TEST_DB_NAME")
ckan.redis.url = redis://127.0.0.1:6379/${GOVCATALOG_TEST_REDIS_DB:-2}
EOF
}

migrate() {
    config
    say "Applying migrations (CKAN core and plugins)"
    "$CKAN" -c "$ROOT/ckan.ini" db upgrade >/dev/null
}

demo() {
    migrate
    "$CKAN" -c "$ROOT/ckan.ini" govcatalog demo
}

# --- Serving ----------------------------------------------------------------
is_running() { [ -f "$RUN_DIR/$1.pid" ] && kill -0 "$(cat "$RUN_DIR/$1.pid")" 2>/dev/null; }

start_bg() {
    local name="$1"; shift
    if is_running "$name"; then return 0; fi
    nohup "$@" >"$RUN_DIR/$name.log" 2>&1 &
    echo $! > "$RUN_DIR/$name.pid"
}

serve() {
    demo
    start_bg worker "$CKAN" -c "$ROOT/ckan.ini" jobs worker default govcatalog
    # sync jobs on a worker of their own: a backlog of workflow mail never holds a push or a withdrawal back
    start_bg sync-worker "$CKAN" -c "$ROOT/ckan.ini" jobs worker govcatalog_sync
    if [ "${GOVCATALOG_SERVER:-gunicorn}" = dev ]; then  # Flask's development server, one process
        start_bg web "$CKAN" -c "$ROOT/ckan.ini" run --host 127.0.0.1 --port "$PORT" --disable-reloader --threaded
    else
        # gunicorn: workers from the CPU count, timeouts and graceful reload in deploy/gunicorn.conf.py;
        # `kill -HUP $(cat .run/web.pid)` reloads the code without dropping requests.
        (cd "$ROOT" && CKAN_INI="$ROOT/ckan.ini" GOVCATALOG_PORT="$PORT" \
            start_bg web "$VENV/bin/gunicorn" -c "$ROOT/deploy/gunicorn.conf.py" deploy.wsgi:application)
    fi
    for _ in $(seq 1 60); do
        if curl -fsS "http://127.0.0.1:$PORT/api/3/action/status_show" >/dev/null 2>&1; then
            say "The catalog is running at http://127.0.0.1:$PORT  (logs in .run/, stop with: make stop)"
            return 0
        fi
        sleep 1
    done
    echo "The web server did not answer; see .run/web.log" >&2; exit 1
}

# --- A stand-in national catalog next to the demo (make national) ------------
NATIONAL_PORT="${GOVCATALOG_NATIONAL_PORT:-$((PORT + 1))}"
NATIONAL_DB="${DB_NAME}_national"
NATIONAL_PLUGINS="govcatalog_search govcatalog scheming_datasets govcatalog_test_gdcatalog"

national_config() {
    local ini="$1" url="$2"
    {
        echo "[app:main]"
        echo "use = config:$ROOT/ckan.ini"
        echo "sqlalchemy.url = $(db_url "$NATIONAL_DB")"
        echo "ckan.site_url = $url"
        echo "ckan.site_id = national-catalog"
        echo "ckan.site_title = National catalog (stand-in)"
        echo "ckan.plugins = $NATIONAL_PLUGINS"
        echo "ckan.redis.url = redis://127.0.0.1:6379/${GOVCATALOG_NATIONAL_REDIS_DB:-3}"
        echo "ckan.storage_path = $ROOT/storage-national"
    } > "$ini"
}

national() {
    serve
    local ini="$RUN_DIR/national.ini" url="http://127.0.0.1:$NATIONAL_PORT" token_file="$RUN_DIR/national-token"
    if [ "$(pg_super -c "SELECT 1 FROM pg_database WHERE datname='$NATIONAL_DB'")" != 1 ]; then
        say "Creating database $NATIONAL_DB"
        pg_super -c "CREATE DATABASE $NATIONAL_DB OWNER $DB_USER ENCODING 'UTF8' TEMPLATE template0"
    fi
    national_config "$ini" "$url"
    mkdir -p "$ROOT/storage-national"
    "$CKAN" -c "$ini" db upgrade >/dev/null
    if ! "$CKAN" -c "$ini" user show national-sync 2>/dev/null | grep -q "name=national-sync"; then
        say "Creating the national catalog's sync account"
        "$CKAN" -c "$ini" user add national-sync email=sync@national.invalid \
            "password=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(18))')" >/dev/null
        "$CKAN" -c "$ini" sysadmin add national-sync >/dev/null
    fi
    if [ ! -s "$token_file" ]; then
        (umask 077; "$CKAN" -c "$ini" user token add national-sync demo-sync | tail -n1 | tr -d '[:space:]' > "$token_file")
    fi
    start_bg national "$CKAN" -c "$ini" run --host 127.0.0.1 --port "$NATIONAL_PORT" --disable-reloader --threaded
    for _ in $(seq 1 60); do
        curl -fsS "$url/api/3/action/status_show" >/dev/null 2>&1 && break
        sleep 1
    done
    curl -fsS -X POST -H "Authorization: $(cat "$token_file")" -H "Content-Type: application/json" \
        -d '{"name": "national-agency", "title": "National stand-in organization"}' \
        "$url/api/3/action/organization_create" >/dev/null 2>&1 || true
    # the targets point at the stand-in; the token stays in its file (only the path is in ckan.ini)
    "$CKAN" config-tool "$ROOT/ckan.ini" \
        "ckanext.govcatalog.sync.targets=datagoth gdc" \
        "ckanext.govcatalog.sync.target.datagoth.url=$url" \
        "ckanext.govcatalog.sync.target.datagoth.kind=data_go_th" \
        "ckanext.govcatalog.sync.target.datagoth.organization=national-agency" \
        "ckanext.govcatalog.sync.target.datagoth.name_prefix=datagoth" \
        "ckanext.govcatalog.sync.target.datagoth.token_file=$token_file" \
        "ckanext.govcatalog.sync.target.gdc.url=$url" \
        "ckanext.govcatalog.sync.target.gdc.kind=gd_catalog" \
        "ckanext.govcatalog.sync.target.gdc.organization=national-agency" \
        "ckanext.govcatalog.sync.target.gdc.name_prefix=gdc" \
        "ckanext.govcatalog.sync.target.gdc.token_file=$token_file" \
        "ckanext.govcatalog.sync.gdcatalog_url=$url" \
        "ckanext.govcatalog.sync.gdcatalog_portal_url=$url" >/dev/null
    for name in web worker sync-worker; do stop_one "$name"; done  # restarted with the new settings
    serve
    "$CKAN" -c "$ROOT/ckan.ini" govcatalog sync --all || true
    "$CKAN" -c "$ROOT/ckan.ini" govcatalog reconcile --schedule >/dev/null || true
    say "National stand-in at $url; sync page: http://127.0.0.1:$PORT/ckan-admin/sync"
}

stop_one() {
    local name="$1"
    if is_running "$name"; then
        local pid
        pid="$(cat "$RUN_DIR/$name.pid")"
        kill "$pid" && say "Stopping $name"
        # gunicorn lets requests in flight finish (graceful_timeout) before its master exits
        for _ in $(seq 1 70); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
    rm -f "$RUN_DIR/$name.pid"
}

stop() {
    for name in web worker sync-worker national; do stop_one "$name"; done
}

"$@"
