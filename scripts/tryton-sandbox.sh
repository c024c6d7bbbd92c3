#!/usr/bin/env bash
# The Tryton 6.0 sandbox: the legacy ERP the gateway delivers to in tests and demos.
#
#   scripts/tryton-sandbox.sh start            install (Debian packages) if needed, set up, boot
#   scripts/tryton-sandbox.sh stop             stop the server this script started
#   scripts/tryton-sandbox.sh status           running or not, and where
#   scripts/tryton-sandbox.sh reset [--rebuild] a fresh database from the golden copy
#                                              (--rebuild: set the golden copy up again)
#   scripts/tryton-sandbox.sh clone NAME       copy the golden database to NAME on the running server
#   scripts/tryton-sandbox.sh prepare          install and set up the golden copy, boot nothing
#                                              (tests boot their own server on it)
#
# Everything lives under $COEXIST_TRYTON_DIR (default: .tryton/ in the current directory):
# trytond.conf, db/ (live databases), golden/ (the set-up database and its crosswalk),
# connector.json (what the gateway's Tryton connector reads), trytond.log, trytond.pid.
# Master data: scripts/tryton/master-data.json. Exit code 3: Tryton cannot be installed here.
#
# Knobs: COEXIST_TRYTON_PORT (18000), COEXIST_TRYTON_DB (coexist),
#        COEXIST_TRYTON_PASSWORD (coexist-admin; sandbox only, loopback only).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${COEXIST_TRYTON_DIR:-$PWD/.tryton}
PORT=${COEXIST_TRYTON_PORT:-18000}
DB=${COEXIST_TRYTON_DB:-coexist}
PASSWORD=${COEXIST_TRYTON_PASSWORD:-coexist-admin}
PY=/usr/bin/python3 # Debian's interpreter: trytond and proteus live in its dist-packages
MASTER_DATA=$HERE/tryton/master-data.json
PACKAGES=(tryton-server tryton-proteus tryton-modules-purchase tryton-modules-purchase-amendment
  tryton-modules-stock tryton-modules-stock-lot tryton-modules-account
  tryton-modules-account-invoice tryton-modules-account-invoice-stock
  tryton-modules-account-product tryton-modules-company tryton-modules-party
  tryton-modules-product tryton-modules-currency)
MODULES=(purchase purchase_amendment account_invoice_stock stock_lot)

log() { echo "[tryton-sandbox] $*" >&2; }
quiet_python() { PYTHONWARNINGS=ignore "$@" 2> >(grep -v -e DeprecationWarning -e 'from crypt import' >&2); }

apt_install() {
  # Recommends would pull PostgreSQL, LibreOffice and an MTA (~400 packages).
  APT_OUTPUT=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${PACKAGES[@]}" 2>&1)
}

install_packages() {
  local installed
  installed=$(dpkg-query -W -f='${Status}\n' "${PACKAGES[@]}" 2>/dev/null | grep -c '^install ok installed$' || true)
  [[ $installed -eq ${#PACKAGES[@]} ]] && return 0
  if ! command -v apt-get >/dev/null || [[ $(id -u) -ne 0 ]]; then
    log "Tryton 6.0 is not installed and cannot be: apt-get and root are needed"
    exit 3
  fi
  log "installing ${#PACKAGES[@]} Debian packages (no recommends)"
  # Empty or stale package lists (a fresh container, an old image): update them once and retry.
  if ! apt_install; then
    log "apt-get update"
    apt-get update -qq || { log "apt-get update failed"; exit 3; }
    apt_install || { log "apt-get install failed: $(tail -3 <<<"$APT_OUTPUT")"; exit 3; }
  fi
  # A systemd host starts the packaged service on localhost:8000; this sandbox runs its own.
  if command -v systemctl >/dev/null && systemctl is-active --quiet tryton-server 2>/dev/null; then
    systemctl stop tryton-server || true
  fi
}

write_config() {
  mkdir -p "$DIR/db" "$DIR/golden"
  cat >"$DIR/trytond.conf" <<EOF
[database]
uri = sqlite://
path = $DIR/db
language = en

[web]
listen = 127.0.0.1:$PORT

[session]
max_age = 86400
timeout = 86400
EOF
  (umask 077 && printf '%s\n' "$PASSWORD" >"$DIR/admin-password")
  cat >"$DIR/connector.json" <<EOF
{
  "url": "http://127.0.0.1:$PORT",
  "database": "$DB",
  "login": "admin",
  "passwordFile": "$DIR/admin-password",
  "crosswalkFile": "$DIR/crosswalk.json"
}
EOF
}

# The golden copy is rebuilt when the master data, the set-up code or Tryton changes.
stamp() {
  cat "$MASTER_DATA" "$HERE/tryton/setup.py"
  dpkg-query -W -f='${Version}\n' tryton-server
}

build_golden() {
  local started=$SECONDS work="$DIR/build"
  log "setting up the golden database (modules: ${MODULES[*]})"
  rm -rf "$work" && mkdir -p "$work"
  sed "s|^path = .*|path = $work|" "$DIR/trytond.conf" >"$work/trytond.conf"
  touch "$work/$DB.sqlite" # the SQLite backend refuses a missing file
  TRYTONPASSFILE="$DIR/admin-password" quiet_python "$PY" /usr/bin/trytond-admin \
    -c "$work/trytond.conf" -d "$DB" --email admin@example.com -u "${MODULES[@]}" \
    --activate-dependencies >/dev/null
  quiet_python "$PY" "$HERE/tryton/setup.py" --config "$work/trytond.conf" --database "$DB" \
    --master-data "$MASTER_DATA" --crosswalk "$work/crosswalk.json" >&2
  mv "$work/$DB.sqlite" "$DIR/golden/$DB.sqlite"
  mv "$work/crosswalk.json" "$DIR/golden/crosswalk.json"
  stamp | sha256sum >"$DIR/golden/stamp"
  rm -rf "$work"
  log "golden database ready in $((SECONDS - started))s"
}

golden_is_current() {
  [[ -s $DIR/golden/$DB.sqlite && -s $DIR/golden/crosswalk.json && -s $DIR/golden/stamp ]] &&
    [[ $(stamp | sha256sum) == "$(cat "$DIR/golden/stamp")" ]]
}

# A new golden copy makes the live database stale: the server on it is stopped, the copy dropped.
refresh_golden() {
  if [[ ${1:-} != --rebuild ]] && golden_is_current; then return 0; fi
  halt
  build_golden
  rm -f "$DIR/db/$DB.sqlite" "$DIR/crosswalk.json"
}

restore_live() {
  cp "$DIR/golden/$DB.sqlite" "$DIR/db/$DB.sqlite"
  cp "$DIR/golden/crosswalk.json" "$DIR/crosswalk.json"
}

pid() { [[ -s $DIR/trytond.pid ]] && kill -0 "$(cat "$DIR/trytond.pid")" 2>/dev/null && cat "$DIR/trytond.pid"; }

answers() {
  "$PY" - "$PORT" 2>/dev/null <<'PYTHON'
import json, sys, urllib.request
body = json.dumps({'id': 0, 'method': 'common.server.version', 'params': []}).encode()
request = urllib.request.Request('http://127.0.0.1:%s/' % sys.argv[1], data=body,
    headers={'Content-Type': 'application/json'})
json.load(urllib.request.urlopen(request, timeout=2))['result']
PYTHON
}

boot() {
  if pid >/dev/null; then return 0; fi
  if answers; then
    log "something else already answers on 127.0.0.1:$PORT (set COEXIST_TRYTON_PORT)"
    exit 1
  fi
  PYTHONWARNINGS=ignore nohup "$PY" /usr/bin/trytond -c "$DIR/trytond.conf" -d "$DB" \
    --pidfile "$DIR/trytond.pid" >"$DIR/trytond.log" 2>&1 &
  for _ in $(seq 100); do
    answers && return 0
    sleep 0.2
  done
  log "trytond did not answer within 20s; see $DIR/trytond.log"
  exit 1
}

halt() {
  local running
  running=$(pid) || { rm -f "$DIR/trytond.pid"; return 0; }
  kill "$running"
  for _ in $(seq 50); do kill -0 "$running" 2>/dev/null || break; sleep 0.1; done
  rm -f "$DIR/trytond.pid"
}

status() {
  if running=$(pid); then
    echo "running (pid $running): JSON-RPC at http://127.0.0.1:$PORT/$DB/ (admin, password in $DIR/admin-password)"
    echo "connector configuration: $DIR/connector.json"
  else
    echo "stopped"
    return 1
  fi
}

case ${1:-} in
  start)
    install_packages
    write_config
    refresh_golden
    [[ -s $DIR/db/$DB.sqlite && -s $DIR/crosswalk.json ]] || restore_live
    boot
    status
    ;;
  prepare)
    install_packages
    write_config
    refresh_golden
    echo "$DIR/golden/$DB.sqlite"
    ;;
  stop) halt ;;
  status) status ;;
  reset)
    install_packages
    write_config
    was_running=$(pid || true)
    halt
    refresh_golden "${2:-}"
    restore_live
    [[ -z $was_running ]] || boot
    log "fresh database $DB"
    ;;
  clone)
    name=${2:?usage: $0 clone NAME}
    [[ $name =~ ^[A-Za-z0-9_]+$ ]] || { log "NAME: letters, digits and _ only"; exit 2; }
    golden_is_current || { log "no golden database: run start first"; exit 1; }
    cp "$DIR/golden/$DB.sqlite" "$DIR/db/$name.sqlite"
    echo "$name"
    ;;
  *)
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
