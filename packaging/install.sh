#!/usr/bin/env bash
# Installs InnerWarden.Mesh as a systemd service:
#   /usr/lib/innerwarden/            the published host (innerwarden) and plugins/<Project>/
#   /usr/bin/innerwarden             -> /usr/lib/innerwarden/innerwarden
#   /lib/systemd/system/innerwarden-agent.service
#   /etc/innerwarden/mesh.yaml       only when absent: an operator's config is never overwritten
#   /var/lib/innerwarden/            identity, state and audit log (0750, owned by the innerwarden user)
#
# Usage: packaging/install.sh [--from DIR] [--destdir DIR] [--uninstall [--purge]]
#   --from DIR       install an already published tree (from `dotnet publish host/InnerWarden.Mesh.Host`)
#                    instead of publishing from this checkout
#   --destdir DIR    install under DIR (same as DESTDIR=DIR; --prefix DIR is accepted as an alias): for
#                    packaging and tests. No user is created, nothing is chowned, systemctl is not run.
#   --uninstall      stop and disable the service, remove the firewall state the enforcers left in the kernel
#                    (nftables table inet innerwarden_mesh, ipsets innerwarden-mesh-v4/-v6 and the rules using
#                    them), the binaries, the link and the unit; keeps /etc/innerwarden and /var/lib/innerwarden
#   --purge          with --uninstall: also remove the config, the data (identity!) and the user
# Where systemd runs, the unit is enabled (starts at boot) but not started: enable the mesh first.
# Running it again is safe: it converges on the same result and leaves an existing config alone.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

from=""
uninstall=0
purge=0
root="${DESTDIR:-}"

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "==> $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --from) [ $# -ge 2 ] || die "--from needs a directory"; from="$2"; shift 2 ;;
    --from=*) from="${1#*=}"; shift ;;
    --destdir|--prefix) [ $# -ge 2 ] || die "$1 needs a directory"; root="$2"; shift 2 ;;
    --destdir=*|--prefix=*) root="${1#*=}"; shift ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ "$purge" = 0 ] || [ "$uninstall" = 1 ] || die "--purge only makes sense with --uninstall"

if [ -n "$root" ]; then
  mkdir -p "$root"
  root="$(cd "$root" && pwd)"
  [ "$root" != "/" ] || root=""
fi
# Real system (no DESTDIR): users, ownership and systemctl are ours to manage, which needs root.
system=0
if [ -z "$root" ]; then
  system=1
  [ "$(id -u)" = 0 ] || die "run as root (sudo), or set DESTDIR=DIR to install under DIR"
fi

lib="$root/usr/lib/innerwarden"
link="$root/usr/bin/innerwarden"
unit="$root/lib/systemd/system/innerwarden-agent.service"
etc="$root/etc/innerwarden"
data="$root/var/lib/innerwarden"
user=innerwarden

systemd_running() { [ "$system" = 1 ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

if [ "$uninstall" = 1 ]; then
  if systemd_running; then
    systemctl disable --now innerwarden-agent.service >/dev/null 2>&1 || true
  fi
  # The kernel is the real system's only: a DESTDIR uninstall leaves it alone.
  if [ "$system" = 1 ]; then
    "$here/remove-kernel-state.sh" --config "$etc/mesh.yaml"
  fi
  rm -rf "$lib"
  if [ -L "$link" ] || [ -e "$link" ]; then rm -f "$link"; fi
  rm -f "$unit"
  say "removed $lib, $link and $unit"
  if [ "$purge" = 1 ]; then
    rm -rf "$etc" "$data"
    say "purged $etc and $data"
    if [ "$system" = 1 ] && id -u "$user" >/dev/null 2>&1; then
      userdel "$user" >/dev/null 2>&1 || true
      getent group "$user" >/dev/null 2>&1 && groupdel "$user" >/dev/null 2>&1 || true
      say "removed user $user"
    fi
  else
    say "kept $etc and $data (use --uninstall --purge to remove them)"
  fi
  if systemd_running; then systemctl daemon-reload; fi
  exit 0
fi

# 1. The published tree: given, or published now into a scratch folder.
scratch=""
cleanup() { if [ -n "$scratch" ]; then rm -rf "$scratch"; fi; }
trap cleanup EXIT
if [ -z "$from" ]; then
  command -v dotnet >/dev/null 2>&1 || die "dotnet not found: install the .NET 10 SDK, or pass --from DIR with a published tree"
  scratch="$(mktemp -d)"
  say "publishing host/InnerWarden.Mesh.Host (Release)"
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
    dotnet publish "$repo/host/InnerWarden.Mesh.Host" -c Release -o "$scratch/publish" >&2
  from="$scratch/publish"
fi
[ -d "$from" ] || die "--from '$from' is not a directory"
from="$(cd "$from" && pwd)"
[ -f "$from/innerwarden" ] || die "'$from' has no innerwarden executable: not a published host tree"
[ -d "$from/plugins" ] || die "'$from' has no plugins/ folder: not a published host tree"

# 2. Binaries: replaced as a whole so files of an older version do not linger; skipped when identical.
if [ -d "$lib" ] && diff -rq "$from" "$lib" >/dev/null 2>&1; then
  say "$lib is up to date"
else
  mkdir -p "$(dirname "$lib")"
  rm -rf "$lib.new" "$lib.old"
  cp -a "$from" "$lib.new"
  chmod 0755 "$lib.new" "$lib.new/innerwarden"
  if [ -d "$lib" ]; then mv "$lib" "$lib.old"; fi
  mv "$lib.new" "$lib"
  rm -rf "$lib.old"
  say "installed $lib"
fi
mkdir -p "$(dirname "$link")"
ln -sfn /usr/lib/innerwarden/innerwarden "$link"

# 3. The service user: a system account that cannot log in.
if [ "$system" = 1 ]; then
  if ! getent group "$user" >/dev/null 2>&1; then
    groupadd --system "$user"
  fi
  if ! id -u "$user" >/dev/null 2>&1; then
    nologin="$(command -v nologin || echo /usr/sbin/nologin)"
    useradd --system --gid "$user" --home-dir /var/lib/innerwarden --no-create-home --shell "$nologin" \
      --comment "InnerWarden.Mesh agent" "$user"
    say "created system user $user"
  fi
  # The sshd detector reads /var/log/auth.log (group adm) or the journal (group systemd-journal).
  for group in adm systemd-journal; do
    if getent group "$group" >/dev/null 2>&1 && ! id -nG "$user" | tr ' ' '\n' | grep -qx "$group"; then
      usermod -aG "$group" "$user"
    fi
  done
fi

# 4. Data and config directories; the config file only when there is none.
install -d -m 0750 "$data" "$etc"
if [ ! -e "$etc/mesh.yaml" ]; then
  install -m 0640 "$here/mesh.yaml" "$etc/mesh.yaml"
  say "installed default $etc/mesh.yaml"
else
  say "kept existing $etc/mesh.yaml"
fi
if [ "$system" = 1 ]; then
  chown "$user:$user" "$data"
  # Root owns the config (the CLI edits it under sudo); the agent only reads it.
  chown "root:$user" "$etc" "$etc/mesh.yaml"
fi

# 5. The unit.
if ! cmp -s "$here/systemd/innerwarden-agent.service" "$unit"; then
  install -D -m 0644 "$here/systemd/innerwarden-agent.service" "$unit"
  say "installed $unit"
fi
if systemd_running; then
  systemctl daemon-reload
  systemctl enable innerwarden-agent.service >/dev/null 2>&1
  say "enabled innerwarden-agent.service (starts at boot; not started now)"
fi

cat <<'NEXT'

InnerWarden.Mesh is installed. Next steps:

sudo innerwarden mesh enable
sudo innerwarden mesh add-peer https://other-server:8790
sudo systemctl restart innerwarden-agent
NEXT
