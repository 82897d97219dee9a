#!/usr/bin/env bash
# Makes `cloud-init schema` available to the deploy tests without installing cloud-init
# (whose services have no place on a build machine): Debian's package is downloaded and
# extracted into ~/.cache/faafo-cloud-init, its Python dependencies come from Debian, and
# ~/.cache/faafo-cloud-init/cloud-init runs it with the system Python. Nothing to do when
# cloud-init is installed or the copy is there already. Needs apt (root or sudo).
set -euo pipefail
DIR=${FAAFO_CLOUD_INIT_DIR:-$HOME/.cache/faafo-cloud-init}
command -v cloud-init >/dev/null 2>&1 && exit 0
[ -x "$DIR/cloud-init" ] && "$DIR/cloud-init" --version >/dev/null 2>&1 && exit 0
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
DEPS=(python3 python3-requests python3-yaml python3-jsonschema python3-jinja2 python3-configobj
      python3-jsonpatch python3-netifaces)
missing=()
for p in "${DEPS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
echo "==> cloud-init (for the user-data schema check) into $DIR"
if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download cloud-init >/dev/null 2>&1 || { $SUDO apt-get update -qq && apt-get download cloud-init >/dev/null; })
rm -rf "$DIR"; mkdir -p "$DIR"
dpkg-deb -x "$tmp"/cloud-init_*.deb "$DIR/root"
cat > "$DIR/cloud-init" <<W
#!/bin/sh
PYTHONPATH="$DIR/root/usr/lib/python3/dist-packages" exec /usr/bin/python3 "$DIR/root/usr/bin/cloud-init" "\$@"
W
chmod +x "$DIR/cloud-init"
"$DIR/cloud-init" --version
