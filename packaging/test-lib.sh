# Shared by packaging/test-install.sh and packaging/deb/test-deb.sh (sourced, not run): PASS:/FAIL: lines and
# their count, and running the installed agent as the service runs it, inside a network namespace.
# shellcheck shell=bash

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
# check NAME COMMAND...: PASS when the command succeeds.
check() { local name="$1"; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
# The closing line that .ci/run adds up; exit status 1 when any check failed.
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; }

export PATH="$PATH:/usr/sbin:/sbin"

# The capabilities the installed unit grants (AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW), in setpriv's
# form: +net_admin,+net_raw. Read from the unit so the test runs with exactly what systemd would give.
unit_caps() { # unit-file
  sed -n 's/^AmbientCapabilities=//p' "$1" | tr ' ' '\n' | sed -n 's/^CAP_\(.*\)/+\L\1/p' | paste -sd, -
}

# The command prefix that runs a command as the service user the way the unit does: that user and its groups,
# only the unit's capabilities (ambient, bounding set reduced to them), no new privileges, UMask=0027, a clean
# environment with the user's home. Every step execs the next, so a background job's $! is the command itself.
# Usage: service_cmd NS UNIT_FILE; "${svc[@]}" COMMAND...   (NS "" = this namespace)
svc=()
service_cmd() {
  local ns="$1" unit="$2" caps home
  caps=$(unit_caps "$unit")
  home=$(getent passwd innerwarden | cut -d: -f6)
  svc=()
  if [ -n "$ns" ]; then svc=(ip netns exec "$ns"); fi
  svc+=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin HOME="$home"
    setpriv --reuid innerwarden --regid innerwarden --init-groups
    --inh-caps "$caps" --ambient-caps "$caps" --bounding-set "-all,$caps" --no-new-privs
    sh -c 'umask 0027 && exec "$@"' sh)
}

# True when the service user (its groups, no capabilities) can read the file.
service_user_reads() { # file
  setpriv --reuid innerwarden --regid innerwarden --init-groups --inh-caps -all --bounding-set -all \
    test -r "$1"
}

# Starts `/usr/bin/innerwarden agent` as the service in NS, logging to LOG; sets agent_pid. Returns 0 once the
# node says it started, 1 when it exits or does not start within 30 s.
agent_pid=""
start_agent() { # ns unit-file log
  service_cmd "$1" "$2"
  "${svc[@]}" /usr/bin/innerwarden agent >"$3" 2>&1 &
  agent_pid=$!
  local _
  for _ in $(seq 1 300); do
    if grep -q 'mesh node [0-9a-f]* started: ' "$3"; then return 0; fi
    kill -0 "$agent_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# SIGTERM, as `systemctl stop` sends, then SIGKILL after the unit's TimeoutStopSec.
stop_agent() {
  [ -n "$agent_pid" ] || return 0
  kill "$agent_pid" 2>/dev/null || true
  local _
  for _ in $(seq 1 300); do
    kill -0 "$agent_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$agent_pid" 2>/dev/null || true
  wait "$agent_pid" 2>/dev/null || true
  agent_pid=""
}

# What the enforcers left in NS's kernel, one line per object found (empty when clean).
kernel_state() { # ns
  ip netns exec "$1" sh -c '
    nft list table inet innerwarden_mesh >/dev/null 2>&1 && echo "nft table inet innerwarden_mesh"
    for s in innerwarden-mesh-v4 innerwarden-mesh-v6; do ipset list -n "$s" >/dev/null 2>&1 && echo "ipset $s"; done
    for t in iptables ip6tables; do $t -w 5 -S 2>/dev/null | grep -- "--match-set innerwarden-mesh-" | sed "s/^/$t /"; done
    true'
}

# True when NS's kernel drops the address: it is an element of the nftables set of its family.
nft_holds() { # ns ip
  ip netns exec "$1" nft list set inet innerwarden_mesh blocked_v4 2>/dev/null | grep -q "[ {]$2 "
}

# check_kernel_full NS: PASS when NS holds all the enforcers make: the nftables table, both ipsets, both DROP rules.
check_kernel_full() {
  local state
  state="$(kernel_state "$1")"
  check "the namespace holds the nftables table, both ipsets and both DROP rules ($(wc -l <<<"$state") objects)" \
    test "$(wc -l <<<"$state")" -eq 5
}

# check_kernel_clean NS WHAT: PASS when NS holds no table, ipset or rule of the mesh.
check_kernel_clean() {
  local state
  state="$(kernel_state "$1")"
  check "$2 cleared the kernel: no nftables table, ipset or rule of the mesh${state:+ (left: $state)}" test -z "$state"
}
