#!/bin/bash
# faafo installer, with the original contrib/install.sh's flags, for Debian 12+ and
# Ubuntu 24.04+ (systemd). `faafo deploy` runs it from cloud-init; it can also be piped:
#   curl -fsSL URL/install.sh | sudo bash -s -- -i faafo -i messaging -r api -r worker -b BASE_URL
#
#   -i faafo|messaging|database  install: the faafo binaries / RabbitMQ / MariaDB (repeatable)
#   -r api|worker|demo           run: faafo-api / faafo-worker as systemd units; demo creates
#                                one batch of fractals once the API answers (repeatable)
#   -e URL   endpoint_url (the API the worker reports to)
#   -m URL   transport_url (amqp://USER:PASSWORD@HOST:5672/); with -i messaging that user
#            is created and the guest account deleted
#   -d URL   database_url (mysql://USER:PASSWORD@127.0.0.1:3306/DB); with -i database that
#            database and user are created
#   -b URL   where the binaries faafo, faafo-api, faafo-worker are downloaded from
#   -c FILE  their SHA-256 sums (sha256sum format; default /etc/faafo/SHA256SUMS)
#
# Options not given come from /etc/faafo/faafo.conf ([DEFAULT]), which the flags update.
# Unlike the original, unknown -i/-r values are errors, no account is left with a fixed
# password, and every download is checked. The last line printed (also to the console,
# where `faafo deploy` reads it) is "faafo-install: OK" or "faafo-install: FAILED …".
set -eu
set -E -o pipefail

CONF=/etc/faafo/faafo.conf
SUMS=/etc/faafo/SHA256SUMS
BASE_URL=${FAAFO_BINARIES_URL:-}
INSTALL=" "
ROLES=" "
ENDPOINT='' TRANSPORT='' DATABASE=''
FAILED_AT=

say() { echo "faafo-install: $*"; }
finish() {
    rc=$?
    if [ "$rc" -eq 0 ]; then msg="faafo-install: OK"; else msg="faafo-install: FAILED (exit $rc${FAILED_AT:+, $FAILED_AT})"; fi
    echo "$msg"
    if [ -w /dev/console ]; then echo "$msg" > /dev/console 2>/dev/null || true; fi
}
trap finish EXIT
trap 'FAILED_AT="line $LINENO: $BASH_COMMAND"' ERR

usage() { sed -n '2,20p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//' || true; }

while getopts "e:m:d:i:r:b:c:h" opt; do
    case $opt in
        i) case $OPTARG in faafo|messaging|database) INSTALL="$INSTALL$OPTARG " ;;
               *) say "unknown -i '$OPTARG' (faafo, messaging, database)"; exit 2 ;; esac ;;
        r) case $OPTARG in api|worker|demo) ROLES="$ROLES$OPTARG " ;;
               *) say "unknown -r '$OPTARG' (api, worker, demo)"; exit 2 ;; esac ;;
        e) ENDPOINT=$OPTARG ;;
        m) TRANSPORT=$OPTARG ;;
        d) DATABASE=$OPTARG ;;
        b) BASE_URL=$OPTARG ;;
        c) SUMS=$OPTARG ;;
        h) usage; trap - EXIT; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
has() { case $1 in *" $2 "*) return 0 ;; *) return 1 ;; esac; }

[ "$(id -u)" -eq 0 ] || { say "run as root"; exit 1; }
[ -r /etc/os-release ] || { say "no /etc/os-release"; exit 1; }
. /etc/os-release
major=${VERSION_ID%%.*}
case ${ID:-} in
    debian) [ "${major:-0}" -ge 12 ] || { say "Debian $VERSION_ID is too old (12 or newer)"; exit 1; } ;;
    ubuntu) [ "${major:-0}" -ge 24 ] || { say "Ubuntu $VERSION_ID is too old (24.04 or newer)"; exit 1; } ;;
    *) say "error: distribution ${ID:-unknown} not supported (Debian 12+, Ubuntu 24.04+)"; exit 1 ;;
esac

# --- /etc/faafo/faafo.conf: read and update keys in [DEFAULT] -------------------------
mkdir -p /etc/faafo
[ -f "$CONF" ] || printf '[DEFAULT]\nlisten_address = 0.0.0.0\nbind_port = 80\n' > "$CONF"
chmod 0640 "$CONF"
conf_get() { awk -v k="$1" -F' *= *' '$1 == k { v = substr($0, index($0, "=") + 1); sub(/^ */, "", v) } END { print v }' "$CONF"; }
conf_set() {
    K=$1 V=$2 awk 'BEGIN { k = ENVIRON["K"]; v = ENVIRON["V"] }
        $0 ~ "^" k " *=" { print k " = " v; done = 1; next } { print }
        END { if (!done) print k " = " v }' "$CONF" > "$CONF.new"
    chmod 0640 "$CONF.new"; mv "$CONF.new" "$CONF"
}
[ -z "$ENDPOINT" ] || conf_set endpoint_url "$ENDPOINT"
[ -z "$TRANSPORT" ] || conf_set transport_url "$TRANSPORT"
[ -z "$DATABASE" ] || conf_set database_url "$DATABASE"

# scheme://USER:PASSWORD@HOST:PORT/PATH → fields; only plain names and passwords.
url_part() {  # url, user|password|path
    rest=${1#*://}; cred=${rest%%@*}; path=${rest#*/}
    case $2 in user) echo "${cred%%:*}" ;; password) echo "${cred#*:}" ;; path) echo "${path%%\?*}" ;; esac
}
plain() { case $1 in ''|*[!A-Za-z0-9_.-]*) return 1 ;; *) return 0 ;; esac; }

export DEBIAN_FRONTEND=noninteractive
apt_install() { apt-get install -y -q --no-install-recommends "$@" > /dev/null; }
say "installing:${INSTALL}roles:${ROLES}on $PRETTY_NAME"
apt-get update -q > /dev/null
apt_install curl ca-certificates

if has "$INSTALL" messaging; then
    apt_install rabbitmq-server
    systemctl enable --now rabbitmq-server
    url=$(conf_get transport_url)
    user=$(url_part "$url" user); pass=$(url_part "$url" password)
    if ! plain "$user" || ! plain "$pass" || [ "$user" = guest ]; then
        say "-i messaging needs transport_url amqp://USER:PASSWORD@… with a user other than guest"; exit 1
    fi
    for _ in $(seq 30); do rabbitmqctl -q await_startup > /dev/null 2>&1 && break; sleep 2; done
    rabbitmqctl -q add_user "$user" "$pass" > /dev/null 2>&1 || rabbitmqctl -q change_password "$user" "$pass" > /dev/null
    rabbitmqctl -q set_permissions -p / "$user" '.*' '.*' '.*' > /dev/null
    rabbitmqctl -q delete_user guest > /dev/null 2>&1 || true
    say "RabbitMQ user $user ready"
fi

if has "$INSTALL" database; then
    apt_install mariadb-server
    systemctl enable --now mariadb
    url=$(conf_get database_url)
    user=$(url_part "$url" user); pass=$(url_part "$url" password); db=$(url_part "$url" path)
    if ! plain "$user" || ! plain "$pass" || ! plain "$db"; then
        say "-i database needs database_url mysql://USER:PASSWORD@127.0.0.1:3306/DB"; exit 1
    fi
    mariadb -e "CREATE DATABASE IF NOT EXISTS \`$db\`;
        CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY '$pass';
        CREATE USER IF NOT EXISTS '$user'@'127.0.0.1' IDENTIFIED BY '$pass';
        ALTER USER '$user'@'localhost' IDENTIFIED BY '$pass';
        ALTER USER '$user'@'127.0.0.1' IDENTIFIED BY '$pass';
        GRANT ALL ON \`$db\`.* TO '$user'@'localhost';
        GRANT ALL ON \`$db\`.* TO '$user'@'127.0.0.1';"
    say "MariaDB database $db ready"
fi

if has "$INSTALL" faafo; then
    [ -n "$BASE_URL" ] || { say "-i faafo needs -b URL (where the binaries are)"; exit 1; }
    [ -r "$SUMS" ] || { say "-i faafo needs the SHA-256 sums in $SUMS (or -c FILE)"; exit 1; }
    tmp=$(mktemp -d)
    for bin in faafo faafo-api faafo-worker; do
        want=$(awk -v f="$bin" '$2 == f || $2 == "*" f { print $1 }' "$SUMS")
        [ -n "$want" ] || { say "no SHA-256 for $bin in $SUMS"; exit 1; }
        curl -fsSL --retry 5 --retry-delay 3 -o "$tmp/$bin" "${BASE_URL%/}/$bin"
        echo "$want  $tmp/$bin" | sha256sum -c --quiet -
        install -m 0755 "$tmp/$bin" "/usr/local/bin/$bin"
    done
    rm -rf "$tmp"
    id faafo > /dev/null 2>&1 || useradd --system --home-dir /var/lib/faafo --shell /usr/sbin/nologin faafo
    chgrp faafo "$CONF"
    say "binaries installed: $(/usr/local/bin/faafo --version)"
fi

unit() {  # name, description, command, extra [Service] lines
    cat > "/etc/systemd/system/$1.service" <<EOF
[Unit]
Description=$2
After=network-online.target rabbitmq-server.service mariadb.service
Wants=network-online.target

[Service]
User=faafo
Group=faafo
StateDirectory=faafo
Environment=XDG_DATA_HOME=/var/lib
ExecStart=$3
Restart=on-failure
RestartSec=3
$4

[Install]
WantedBy=multi-user.target
EOF
}
if has "$ROLES" api; then
    unit faafo-api "faafo API and web gallery" "/usr/local/bin/faafo-api --config-file $CONF" \
        "AmbientCapabilities=CAP_NET_BIND_SERVICE"
fi
if has "$ROLES" worker; then
    unit faafo-worker "faafo worker" "/usr/local/bin/faafo-worker --config-file $CONF" ""
fi
if has "$ROLES" api || has "$ROLES" worker; then
    systemctl daemon-reload
    for s in faafo-api faafo-worker; do
        if has "$ROLES" "${s#faafo-}"; then systemctl enable "$s" > /dev/null 2>&1; systemctl restart "$s"; fi
    done
fi
if has "$ROLES" api; then
    port=$(conf_get bind_port); port=${port:-80}
    for _ in $(seq 60); do curl -fsS -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 2; done
    curl -fsS -o /dev/null "http://127.0.0.1:$port/health"
    say "faafo-api answers on port $port"
    if has "$ROLES" demo; then
        /usr/local/bin/faafo --config-file "$CONF" --endpoint-url "http://127.0.0.1:$port" demo
    fi
fi
