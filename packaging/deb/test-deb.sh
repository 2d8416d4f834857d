#!/usr/bin/env bash
# Installs the amd64 package for real with dpkg on this machine (root) and walks the operator's path:
#   build (and lintian) -> dpkg -i -> `innerwarden mesh identity` and `mesh enable` as root (as with sudo) ->
#   the agent started from the installed files as the innerwarden user with exactly the unit's capabilities,
#   inside a network namespace this test makes -> a local detection (`mesh report` over the agent's socket)
#   staged and dropped by that namespace's nftables -> the iptables enforcer's ipsets and rules -> upgrade to a
#   rebuilt package whose default mesh.yaml changed while the installed one was edited (conffile kept, new
#   default beside it as mesh.yaml.dpkg-dist) -> dpkg --purge, after which nothing is left: files, user,
#   group, stat overrides, and the kernel state in the namespace.
# Without systemd as PID 1 (CI) the agent is started by hand the way the unit would start it.
# Usage: sudo packaging/deb/test-deb.sh
#   PUBLISH_DIR=DIR  reuse a self-contained linux-x64 publish (`dotnet publish host/InnerWarden.Mesh.Host -c
#                    Release -r linux-x64 -o DIR`) instead of publishing now
# Prints PASS:/FAIL: lines and ends with "N passed, N failed". Refuses to run where innerwarden-mesh is already
# installed or an innerwarden user exists: it would remove them.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
packaging="$(cd "$here/.." && pwd)"
repo="$(cd "$packaging/.." && pwd)"
# shellcheck source=../test-lib.sh
. "$packaging/test-lib.sh"

if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root (dpkg -i, network namespaces)"; echo "0 passed, 0 failed, 1 skipped"; exit 0; fi
for tool in dpkg-deb dpkg-statoverride ip nft iptables ipset setpriv jq; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing"; echo "0 passed, 1 failed"; exit 1; }
done
if dpkg-query -W -f='${Status}' innerwarden-mesh 2>/dev/null | grep -q 'installed\|config-files'; then
  echo "FAIL: innerwarden-mesh is already installed here; this test installs and purges it (dpkg --purge innerwarden-mesh first)"
  echo "0 passed, 1 failed"; exit 1
fi
if getent passwd innerwarden >/dev/null || [ -e /usr/lib/innerwarden ] || [ -e /etc/innerwarden ] || [ -e /var/lib/innerwarden ]; then
  echo "FAIL: an innerwarden user or install exists here (packaging/install.sh?); this test would remove it"
  echo "0 passed, 1 failed"; exit 1
fi

work="$(mktemp -d /tmp/iwm-deb-XXXXXX)"
suffix="$(od -An -N3 -tx1 /dev/urandom | tr -d ' ')"
ns="iwm-deb-$suffix"
cleanup() {
  stop_agent
  # Whatever step failed, the machine ends as it was: the package purged (inside the namespace, so its
  # kernel clean-up touches only the namespace), the namespace deleted.
  if dpkg-query -W -f='${Status}' innerwarden-mesh 2>/dev/null | grep -q 'installed\|config-files'; then
    ip netns exec "$ns" dpkg --purge innerwarden-mesh >/dev/null 2>&1 || dpkg --purge innerwarden-mesh >/dev/null 2>&1 || true
  fi
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
unit=/lib/systemd/system/innerwarden-agent.service
yaml=/etc/innerwarden/mesh.yaml
data=/var/lib/innerwarden
attacker=185.220.1.7
attacker2=185.220.1.8

# --- build ----------------------------------------------------------------------------------------------------
publish="${PUBLISH_DIR:-}"
t0=$(date +%s)
if [ -z "$publish" ]; then
  publish="$work/publish"
  # RunAnalyzers=false: this checkout's analyzers already ran in CI's solution build; they do not change the output.
  if dotnet publish "$repo/host/InnerWarden.Mesh.Host" -c Release -r linux-x64 -o "$publish" -nologo -v quiet \
      -p:RunAnalyzers=false >"$work/publish.log" 2>&1; then
    pass "self-contained linux-x64 publish ($(( $(date +%s) - t0 )) s, $(du -sm "$publish" | cut -f1) MiB)"
  else
    cat "$work/publish.log"; fail "self-contained linux-x64 publish"; finish; exit 1
  fi
fi
check "the publish carries no runtimes/ folder (native assets of linux-x64 only, beside the files)" \
  test -z "$(find "$publish" -type d -name runtimes)"
check "the publish carries libsodium for linux-x64" test -f "$publish/libsodium.so"

version="$(dotnet msbuild "$repo/Directory.Build.props" -getProperty:Version | tr -d '[:space:]')"
t0=$(date +%s)
# xz level 1 for both packages of this test (the same files; dpkg-deb's default level 6 takes a minute longer).
if deb=$(OUT_DIR="$work/v1" PUBLISH_DIR="$publish" XZ_LEVEL=1 "$here/build.sh" 2>"$work/build1.log"); then
  pass "build.sh builds $(basename "$deb") from Directory.Build.props' version $version ($(( $(date +%s) - t0 )) s, $(du -m "$deb" | cut -f1) MB)"
else
  cat "$work/build1.log"; fail "build.sh builds the amd64 package"; finish; exit 1
fi
check "the package is named innerwarden-mesh_${version}_amd64.deb" test "$(basename "$deb")" = "innerwarden-mesh_${version}_amd64.deb"
if command -v lintian >/dev/null; then
  if lintian --fail-on error,warning "$deb" >"$work/lintian.log" 2>&1; then
    pass "lintian: no error or warning (overrides justified in packaging/deb/lintian-overrides)"
  else
    cat "$work/lintian.log"; fail "lintian: no error or warning"
  fi
else
  fail "lintian is not installed"
fi
if build_err=$(OUT_DIR="$work/bad" PUBLISH_DIR="$publish" "$here/build.sh" 1.0 sparc 2>&1); then
  fail "build.sh refuses an unknown architecture"
else
  check "build.sh refuses an unknown architecture, naming it" grep -q "'sparc'" <<<"$build_err"
fi

# --- install --------------------------------------------------------------------------------------------------
if dpkg -i "$deb" >"$work/install.log" 2>&1; then pass "dpkg -i $(basename "$deb")"; else cat "$work/install.log"; fail "dpkg -i"; finish; exit 1; fi
check "/usr/bin/innerwarden links to /usr/lib/innerwarden/innerwarden" test "$(readlink -f /usr/bin/innerwarden)" = /usr/lib/innerwarden/innerwarden
check "every plugin project is installed under /usr/lib/innerwarden/plugins" \
  test "$(find /usr/lib/innerwarden/plugins -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq "$(find "$repo/plugins" -mindepth 2 -maxdepth 2 -name '*.csproj' | wc -l)"
check "the unit is installed" cmp -s "$packaging/systemd/innerwarden-agent.service" "$unit"
check "the fail2ban action is installed" cmp -s "$packaging/fail2ban/action.d/innerwarden-mesh.conf" /etc/fail2ban/action.d/innerwarden-mesh.conf
conffiles=$(dpkg-query -W -f='${Conffiles}' innerwarden-mesh)
check "mesh.yaml and the fail2ban action are conffiles" \
  bash -c "grep -q ' $yaml ' <<<'$conffiles' && grep -q ' /etc/fail2ban/action.d/innerwarden-mesh.conf ' <<<'$conffiles'"
check "innerwarden is a system user and group with no login shell" \
  bash -c '[ "$(id -u innerwarden)" -lt 1000 ] && getent group innerwarden >/dev/null && [ "$(getent passwd innerwarden | cut -d: -f7)" = /usr/sbin/nologin ]'
check "/etc/innerwarden is root:innerwarden 0750" test "$(stat -c '%U:%G %a' /etc/innerwarden)" = "root:innerwarden 750"
check "mesh.yaml is root:innerwarden 0640" test "$(stat -c '%U:%G %a' "$yaml")" = "root:innerwarden 640"
check "/var/lib/innerwarden is innerwarden:innerwarden 0750" test "$(stat -c '%U:%G %a' "$data")" = "innerwarden:innerwarden 750"
if [ -d /run/systemd/system ]; then
  check "the unit is enabled (systemd runs here)" systemctl is-enabled --quiet innerwarden-agent.service
  check "the unit is not started before the operator enables the mesh" bash -c '! systemctl is-active --quiet innerwarden-agent.service'
else
  check "no systemd as PID 1: the unit is neither enabled nor started" \
    test ! -e /etc/systemd/system/multi-user.target.wants/innerwarden-agent.service
fi
check "the installed innerwarden runs with no .NET on PATH" \
  env -i PATH=/usr/bin:/bin DOTNET_ROOT=/nonexistent /usr/bin/innerwarden mesh --help >/dev/null

# --- the operator's first steps, as root (sudo) -----------------------------------------------------------------
if node_id=$(/usr/bin/innerwarden mesh identity --json | jq -r .node_id); then pass "innerwarden mesh identity (node $node_id)"; else fail "innerwarden mesh identity"; fi
check "after sudo mesh identity the service user can read the identity key ($(stat -c '%U:%G %a' "$data/mesh-identity.key" 2>/dev/null))" \
  service_user_reads "$data/mesh-identity.key"
check "innerwarden mesh enable" bash -c '/usr/bin/innerwarden mesh enable >"$1" 2>&1' sh "$work/enable.log"
check "after sudo mesh enable the service user can read mesh.yaml ($(stat -c '%U:%G %a' "$yaml"))" service_user_reads "$yaml"
check "mesh enable set enabled: true" grep -qx 'enabled: true' "$yaml"
# The operator turns on the local report socket (fail2ban's way in). sudoedit writes the file in place, as
# this does, so the file keeps its owner and mode; every other key keeps its packaged default (enforcer: auto).
edited="$(sed 's/^  detectors: \[\]$/  detectors: [local-report]/' "$yaml")"
printf '%s\n' "$edited" >"$yaml"
check "operator's edit: detectors: [local-report]" grep -q 'detectors: \[local-report\]' "$yaml"

# --- the agent, as the unit runs it, in a namespace ---------------------------------------------------------------
ip netns add "$ns"
ip -n "$ns" link set lo up
if start_agent "$ns" "$unit" "$work/agent1.log"; then
  pass "the installed agent starts as innerwarden with $(unit_caps "$unit") in namespace $ns"
else
  cat "$work/agent1.log"; fail "the installed agent starts as innerwarden in namespace $ns"
fi
if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
  check "the agent process runs as innerwarden" test "$(stat -c %U "/proc/$agent_pid")" = innerwarden
  # CAP_NET_ADMIN is bit 12, CAP_NET_RAW bit 13.
  check "its effective capabilities are exactly CAP_NET_ADMIN and CAP_NET_RAW" \
    test "$(sed -n 's/^CapEff:\s*//p' "/proc/$agent_pid/status")" = 0000000000003000
fi
check "enforcer auto picked nftables" grep -q 'enforcer nftables (auto)' "$work/agent1.log"
if /usr/bin/innerwarden mesh report "$attacker" --detector deb_test --confidence 0.95 --evidence "test-deb" >"$work/report.log" 2>&1; then
  pass "mesh report $attacker is accepted over the agent's socket"
  t0=$(date +%s%N); held=""
  for _ in $(seq 1 100); do if nft_holds "$ns" "$attacker"; then held=1; break; fi; sleep 0.05; done
  if [ -n "$held" ]; then
    pass "$attacker is in the namespace's nftables set blocked_v4 ($(( ($(date +%s%N) - t0) / 1000000 )) ms after the report returned)"
  else
    fail "$attacker is in the namespace's nftables set blocked_v4"
  fi
else
  cat "$work/report.log"; fail "mesh report $attacker is accepted over the agent's socket"
fi
check "the table exists only in the test's namespace" bash -c '! nft list table inet innerwarden_mesh >/dev/null 2>&1'
stop_agent

# The iptables enforcer too, so that removal is shown clearing its ipsets and rules.
edited="$(sed '/^plugins:$/a\  enforcer: iptables' "$yaml")"
printf '%s\n' "$edited" >"$yaml"
if grep -q '^  enforcer: iptables' "$yaml" && start_agent "$ns" "$unit" "$work/agent2.log"; then
  pass "the agent restarts with enforcer: iptables"
  if /usr/bin/innerwarden mesh report "$attacker2" --detector deb_test --confidence 0.95 --evidence "test-deb" >/dev/null 2>&1; then
    held=""
    for _ in $(seq 1 100); do
      if ip netns exec "$ns" ipset test innerwarden-mesh-v4 "$attacker2" >/dev/null 2>&1; then held=1; break; fi
      sleep 0.05
    done
    check "$attacker2 is in the namespace's ipset innerwarden-mesh-v4" test -n "$held"
  else
    fail "mesh report $attacker2 with the iptables enforcer"
  fi
else
  cat "$work/agent2.log"; fail "the agent restarts with enforcer: iptables"
fi
stop_agent
check_kernel_full "$ns"

# --- upgrade: the operator's config survives, the new default lands beside it ------------------------------------
echo "# operator edit $suffix" >>"$yaml"
cp "$packaging/mesh.yaml" "$work/mesh-v2.yaml"
echo "# default changed in the upgrade test $suffix" >>"$work/mesh-v2.yaml"
version2="$version+debtest1"

if deb2=$(OUT_DIR="$work/v2" PUBLISH_DIR="$publish" MESH_YAML="$work/mesh-v2.yaml" XZ_LEVEL=1 "$here/build.sh" "$version2" amd64 2>"$work/build2.log"); then
  pass "rebuilt package $version2 with a changed default mesh.yaml"
else
  cat "$work/build2.log"; fail "rebuild package $version2"
fi
if dpkg --force-confold -i "$deb2" </dev/null >"$work/upgrade.log" 2>&1; then
  pass "dpkg --force-confold -i upgrades to $version2 non-interactively"
else
  cat "$work/upgrade.log"; fail "dpkg --force-confold -i upgrades to $version2"
fi
check "the installed version is $version2" test "$(dpkg-query -W -f='${Version}' innerwarden-mesh)" = "$version2"
check "the operator's edited mesh.yaml survived the upgrade" grep -qx "# operator edit $suffix" "$yaml"
check "the new default landed as mesh.yaml.dpkg-dist" grep -qx "# default changed in the upgrade test $suffix" "$yaml.dpkg-dist"
check "the identity survived the upgrade" test "$(/usr/bin/innerwarden mesh identity --json | jq -r .node_id)" = "$node_id"
check "/etc/innerwarden is still root:innerwarden 0750" test "$(stat -c '%U:%G %a' /etc/innerwarden)" = "root:innerwarden 750"

# --- purge, from inside the namespace so its kernel clean-up acts there ------------------------------------------
if ip netns exec "$ns" dpkg --purge innerwarden-mesh >"$work/purge.log" 2>&1; then
  pass "dpkg --purge innerwarden-mesh"
else
  cat "$work/purge.log"; fail "dpkg --purge innerwarden-mesh"
fi
left=""
for path in /usr/lib/innerwarden /usr/bin/innerwarden /etc/innerwarden /var/lib/innerwarden "$unit" \
  /etc/fail2ban/action.d/innerwarden-mesh.conf /usr/share/doc/innerwarden-mesh /usr/share/man/man1/innerwarden.1.gz; do
  if [ -e "$path" ] || [ -L "$path" ]; then left="$left $path"; fi
done
check "purge leaves no file behind${left:+ (left:$left)}" test -z "$left"
check "purge removes the innerwarden user and group" bash -c '! getent passwd innerwarden >/dev/null && ! getent group innerwarden >/dev/null'
check "purge removes the stat overrides" bash -c '! dpkg-statoverride --list | grep -q innerwarden'
check "purge leaves the package unknown to dpkg" bash -c '! dpkg-query -W innerwarden-mesh >/dev/null 2>&1'
check_kernel_clean "$ns" removal

finish
