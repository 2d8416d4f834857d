#!/usr/bin/env bash
# Checks packaging/install.sh end to end in a temporary root (DESTDIR), never touching the real system:
# layout, idempotence (a second run changes nothing and keeps an operator's config), uninstall, purge,
# and `systemd-analyze verify` on the unit where that command exists.
# Prints one PASS/FAIL line per check and exits non-zero if any failed.
# PUBLISH_DIR=DIR reuses an existing `dotnet publish host/InnerWarden.Mesh.Host` output instead of publishing.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"
failures=0

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
check() { local name="$1"; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }

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
    exit 1
  fi
fi

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
next_steps=$'innerwarden mesh enable\ninnerwarden mesh add-peer https://other-server:8790\nsudo systemctl restart innerwarden-agent'
check "prints the quick start's next steps" test "$(tail -3 "$work/install1.log")" = "$next_steps"
"$root/usr/lib/innerwarden/innerwarden" --help >"$work/run.log" 2>&1
rc=$?
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
DESTDIR="$root" "$here/install.sh" --from "$publish" >"$work/install3.log" 2>&1
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
  echo "SKIP systemd-analyze verify (systemd-analyze not installed)"
fi

# 6. Uninstall keeps config and data; purge removes them.
DESTDIR="$root" "$here/install.sh" --uninstall >"$work/uninstall.log" 2>&1
check "uninstall succeeds" test $? -eq 0
check "uninstall removes usr/lib/innerwarden" test ! -e "$root/usr/lib/innerwarden"
check "uninstall removes usr/bin/innerwarden" test ! -e "$root/usr/bin/innerwarden" -a ! -L "$root/usr/bin/innerwarden"
check "uninstall removes the unit" test ! -e "$root/lib/systemd/system/innerwarden-agent.service"
check "uninstall keeps etc/innerwarden/mesh.yaml" test -f "$root/etc/innerwarden/mesh.yaml"
check "uninstall keeps var/lib/innerwarden" test -d "$root/var/lib/innerwarden"
DESTDIR="$root" "$here/install.sh" --uninstall >"$work/uninstall2.log" 2>&1
check "uninstall twice succeeds" test $? -eq 0
DESTDIR="$root" "$here/install.sh" --uninstall --purge >"$work/purge.log" 2>&1
check "purge removes etc/innerwarden and var/lib/innerwarden" test ! -e "$root/etc/innerwarden" -a ! -e "$root/var/lib/innerwarden"

if [ "$failures" -gt 0 ]; then
  echo "test-install: $failures check(s) failed"
  exit 1
fi
echo "test-install: all checks passed"
