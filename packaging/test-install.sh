#!/usr/bin/env bash
# Checks packaging/install.sh end to end.
# 1. In a temporary root (DESTDIR), never touching the real system: layout, idempotence (a second run changes
#    nothing and keeps an operator's config), uninstall, purge, `systemd-analyze verify` on the unit where that
#    command exists, and that the publish carries native assets of the shipped RIDs only.
# 2. As root, for real (skipped when an innerwarden install or user already exists here): install.sh creates the
#    user and directories, the installed agent runs as that user with the unit's capabilities inside a network
#    namespace this test makes and creates its nftables table and (enforcer: iptables) ipsets and rules there,
#    then `install.sh --uninstall --purge` run in that namespace removes the kernel state, files and user.
# Prints PASS:/FAIL: lines and ends with "N passed, N failed[, N skipped]".
# PUBLISH_DIR=DIR reuses an existing `dotnet publish host/InnerWarden.Mesh.Host` output instead of publishing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
# shellcheck source=test-lib.sh
. "$here/test-lib.sh"
work="$(mktemp -d)"
root="$work/root"
ns=""
skipped=0
cleanup() {
  stop_agent
  if [ -n "$ns" ]; then ip netns del "$ns" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Everything under the root with type, mode, size, link target and content hash: equal snapshots = nothing changed.
snapshot() {
  (cd "$root" && find . -printf '%y %m %s %l %p\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

publish="${PUBLISH_DIR:-}"
if [ -z "$publish" ]; then
  publish="$work/publish"
  echo "publishing host/InnerWarden.Mesh.Host once into $publish"
  if ! DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet publish "$repo/host/InnerWarden.Mesh.Host" -c Release -o "$publish" >"$work/publish.log" 2>&1; then
    tail -30 "$work/publish.log"
    fail "dotnet publish host/InnerWarden.Mesh.Host"
    finish; exit 1
  fi
fi

# 0. Native package assets only for the shipped RIDs (pruned in Directory.Build.targets, not by a script).
rids="$(find "$publish" -type d -path '*/runtimes/*' -prune -printf '%f\n' | sort -u | paste -sd' ' -)"
extra="$(find "$publish" -type d -path '*/runtimes/*' -prune -printf '%f\n' | sort -u | grep -vxE 'linux-x64|linux-arm64|win-x64' || true)"
check "runtimes/ folders of the publish hold only linux-x64, linux-arm64, win-x64 (found: ${rids:-none})" test -z "$extra"
check "libsodium is there for each shipped RID" test -f "$publish/runtimes/linux-x64/native/libsodium.so" \
  -a -f "$publish/runtimes/linux-arm64/native/libsodium.so" -a -f "$publish/runtimes/win-x64/native/libsodium.dll"
check "no deps.json of host or plugins names a pruned RID's asset" \
  bash -c '! find "$1" -name "*.deps.json" -exec cat {} + | grep -oE "\"runtimes/[^/]+/" | grep -vE "/(linux-x64|linux-arm64|win-x64)/"' sh "$publish"

# 1. First install.
if DESTDIR="$root" "$here/install.sh" --from "$publish" >"$work/install1.log" 2>&1; then
  pass "install into DESTDIR succeeds"
else
  cat "$work/install1.log"; fail "install into DESTDIR succeeds"
fi

check "usr/lib/innerwarden/innerwarden is executable" test -x "$root/usr/lib/innerwarden/innerwarden"
check "plugins/ holds the log-only enforcer" test -f "$root/usr/lib/innerwarden/plugins/InnerWarden.Mesh.Enforcers.LogOnly/InnerWarden.Mesh.Enforcers.LogOnly.dll"
plugin_count=$(find "$root/usr/lib/innerwarden/plugins" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
expected_plugins=$(find "$repo/plugins" -mindepth 2 -maxdepth 2 -name '*.csproj' | wc -l)
check "every plugin project has a folder under plugins/ ($plugin_count of $expected_plugins)" test "$plugin_count" -eq "$expected_plugins"
check "contracts are not copied into plugin folders" \
  test -z "$(find "$root/usr/lib/innerwarden/plugins" -name 'InnerWarden.Mesh.Contracts.dll' 2>/dev/null)"
check "usr/bin/innerwarden links to /usr/lib/innerwarden/innerwarden" \
  test "$(readlink "$root/usr/bin/innerwarden" 2>/dev/null)" = /usr/lib/innerwarden/innerwarden
check "unit installed to lib/systemd/system" cmp -s "$here/systemd/innerwarden-agent.service" "$root/lib/systemd/system/innerwarden-agent.service"
check "default etc/innerwarden/mesh.yaml installed" cmp -s "$here/mesh.yaml" "$root/etc/innerwarden/mesh.yaml"
check "var/lib/innerwarden exists with mode 750" test "$(stat -c %a "$root/var/lib/innerwarden" 2>/dev/null)" = 750
check "etc/innerwarden has mode 750" test "$(stat -c %a "$root/etc/innerwarden" 2>/dev/null)" = 750
next_steps=$'sudo innerwarden mesh enable\nsudo innerwarden mesh add-peer https://other-server:8790\nsudo systemctl restart innerwarden-agent'
check "prints the quick start's next steps" test "$(tail -3 "$work/install1.log")" = "$next_steps"
rc=0
"$root/usr/lib/innerwarden/innerwarden" --help >"$work/run.log" 2>&1 || rc=$?
check "installed executable starts (exit $rc)" test "$rc" -lt 126 -a -z "$(grep -E 'Unhandled exception|You must install' "$work/run.log")"

# 2. Idempotence: a second run changes nothing, and an operator's config survives.
echo "# operator edit" >>"$root/etc/innerwarden/mesh.yaml"
before="$(snapshot)"
if DESTDIR="$root" "$here/install.sh" --from "$publish" >"$work/install2.log" 2>&1; then
  pass "second install succeeds"
else
  cat "$work/install2.log"; fail "second install succeeds"
fi
check "second install changes nothing" test "$before" = "$(snapshot)"
check "operator's mesh.yaml is kept" grep -qx "# operator edit" "$root/etc/innerwarden/mesh.yaml"

# 3. An upgrade replaces the binaries as a whole (no stale files of an older version remain).
touch "$root/usr/lib/innerwarden/stale-from-old-version.dll"
DESTDIR="$root" "$here/install.sh" --from "$publish" >"$work/install3.log" 2>&1 || true
check "reinstall removes files the new version does not ship" test ! -e "$root/usr/lib/innerwarden/stale-from-old-version.dll"

# 4. Bad input is refused and changes nothing.
before="$(snapshot)"
if DESTDIR="$root" "$here/install.sh" --from "$work/nowhere" >"$work/bad.log" 2>&1; then
  fail "--from a missing directory is refused"
else
  check "--from a missing directory is refused naming it" grep -q "$work/nowhere" "$work/bad.log"
fi
check "refused install changes nothing" test "$before" = "$(snapshot)"

# 5. systemd's own check of the unit, with ExecStart pointed at the installed executable inside the root.
if command -v systemd-analyze >/dev/null 2>&1; then
  mkdir -p "$work/unit"
  sed "s|^ExecStart=/usr/bin/innerwarden|ExecStart=$root/usr/lib/innerwarden/innerwarden|" \
    "$root/lib/systemd/system/innerwarden-agent.service" >"$work/unit/innerwarden-agent.service"
  if systemd-analyze verify "$work/unit/innerwarden-agent.service" >"$work/verify.log" 2>&1 && [ ! -s "$work/verify.log" ]; then
    pass "systemd-analyze verify innerwarden-agent.service"
  else
    cat "$work/verify.log"; fail "systemd-analyze verify innerwarden-agent.service"
  fi
else
  echo "SKIP: systemd-analyze verify (systemd-analyze not installed)"; skipped=$((skipped + 1))
fi

# 6. Uninstall keeps config and data; purge removes them.
quiet() { local log="$1"; shift; "$@" >"$log" 2>&1 || { cat "$log"; return 1; }; }
check "uninstall succeeds" quiet "$work/uninstall.log" env DESTDIR="$root" "$here/install.sh" --uninstall
check "uninstall removes usr/lib/innerwarden" test ! -e "$root/usr/lib/innerwarden"
check "uninstall removes usr/bin/innerwarden" test ! -e "$root/usr/bin/innerwarden" -a ! -L "$root/usr/bin/innerwarden"
check "uninstall removes the unit" test ! -e "$root/lib/systemd/system/innerwarden-agent.service"
check "uninstall keeps etc/innerwarden/mesh.yaml" test -f "$root/etc/innerwarden/mesh.yaml"
check "uninstall keeps var/lib/innerwarden" test -d "$root/var/lib/innerwarden"
check "uninstall twice succeeds" quiet "$work/uninstall2.log" env DESTDIR="$root" "$here/install.sh" --uninstall
check "purge succeeds" quiet "$work/purge.log" env DESTDIR="$root" "$here/install.sh" --uninstall --purge
check "purge removes etc/innerwarden and var/lib/innerwarden" test ! -e "$root/etc/innerwarden" -a ! -e "$root/var/lib/innerwarden"

# 7. For real, as root: the service user, the agent as that user in a namespace, and an uninstall that leaves the
# kernel clean. install.sh never starts the agent, and there is no systemd as PID 1 in CI, so the agent is
# started here the way the unit starts it.
system_skip=""
if [ "$(id -u)" != 0 ]; then system_skip="needs root"
elif getent passwd innerwarden >/dev/null || [ -e /usr/lib/innerwarden ] || [ -e /etc/innerwarden ] || [ -e /var/lib/innerwarden ]; then
  system_skip="an innerwarden install or user exists on this machine"
fi
if [ -n "$system_skip" ]; then
  echo "SKIP: install.sh on the real system ($system_skip)"; skipped=$((skipped + 1))
else
  ns="iwm-inst-$(od -An -N3 -tx1 /dev/urandom | tr -d ' ')"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  unit=/lib/systemd/system/innerwarden-agent.service
  if "$here/install.sh" --from "$publish" >"$work/system-install.log" 2>&1; then
    pass "install.sh installs on the real system"
  else
    cat "$work/system-install.log"; fail "install.sh installs on the real system"
  fi
  check "it prints the next steps with sudo" test "$(tail -3 "$work/system-install.log")" = "$next_steps"
  check "innerwarden is a system user" bash -c '[ "$(id -u innerwarden)" -lt 1000 ]'
  check "/var/lib/innerwarden is innerwarden:innerwarden 0750" test "$(stat -c '%U:%G %a' /var/lib/innerwarden)" = "innerwarden:innerwarden 750"
  check "/etc/innerwarden/mesh.yaml is root:innerwarden 0640" test "$(stat -c '%U:%G %a' /etc/innerwarden/mesh.yaml)" = "root:innerwarden 640"
  # The operator's config, written in place as sudoedit does (owner and mode kept).
  printf 'enabled: true\nplugins:\n  enforcer: nftables\n' >/etc/innerwarden/mesh.yaml
  if start_agent "$ns" "$unit" "$work/system-agent1.log"; then
    pass "the installed agent runs as innerwarden with $(unit_caps "$unit") (enforcer: nftables)"
  else
    cat "$work/system-agent1.log"; fail "the installed agent runs as innerwarden (enforcer: nftables)"
  fi
  stop_agent
  printf 'enabled: true\nplugins:\n  enforcer: iptables\n' >/etc/innerwarden/mesh.yaml
  if start_agent "$ns" "$unit" "$work/system-agent2.log"; then
    pass "the installed agent runs as innerwarden (enforcer: iptables)"
  else
    cat "$work/system-agent2.log"; fail "the installed agent runs as innerwarden (enforcer: iptables)"
  fi
  stop_agent
  check_kernel_full "$ns"
  # An operator's own nftables table name (plugin_settings.nftables.table): uninstall reads it from the config.
  printf 'enabled: true\nplugins:\n  enforcer: nftables\nplugin_settings:\n  nftables:\n    table: iwm_custom\n' >/etc/innerwarden/mesh.yaml
  if start_agent "$ns" "$unit" "$work/system-agent3.log"; then
    check "the agent made the configured table inet iwm_custom" bash -c 'ip netns exec "$1" nft list table inet iwm_custom >/dev/null' sh "$ns"
  else
    cat "$work/system-agent3.log"; fail "the installed agent runs with plugin_settings.nftables.table: iwm_custom"
  fi
  stop_agent
  if ip netns exec "$ns" "$here/install.sh" --uninstall --purge >"$work/system-uninstall.log" 2>&1; then
    pass "install.sh --uninstall --purge"
  else
    cat "$work/system-uninstall.log"; fail "install.sh --uninstall --purge"
  fi
  check_kernel_clean "$ns" uninstall
  check "uninstall removed the configured table inet iwm_custom too" bash -c '! ip netns exec "$1" nft list table inet iwm_custom >/dev/null 2>&1' sh "$ns"
  left=""
  for path in /usr/lib/innerwarden /usr/bin/innerwarden /etc/innerwarden /var/lib/innerwarden "$unit"; do
    if [ -e "$path" ] || [ -L "$path" ]; then left="$left $path"; fi
  done
  check "uninstall --purge leaves no file behind${left:+ (left:$left)}" test -z "$left"
  check "uninstall --purge removes the innerwarden user and group" \
    bash -c '! getent passwd innerwarden >/dev/null && ! getent group innerwarden >/dev/null'
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
