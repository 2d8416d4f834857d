#!/bin/sh
# Removes what the mesh's firewall enforcers put in the kernel of the current network namespace:
#   nftables: the table `inet innerwarden_mesh` (its sets and chain go with it);
#   iptables/ip6tables: every rule that matches the ipset sets innerwarden-mesh-v4/-v6 (the enforcer inserts
#   one DROP rule per family in INPUT; any other rule naming the sets goes too, or the sets cannot be destroyed);
#   ipset: the sets innerwarden-mesh-v4 and innerwarden-mesh-v6.
# Foreign tables, sets and rules are never touched. A backend that is not installed, or holds none of these,
# is skipped. Run by `packaging/install.sh --uninstall` and by the package's prerm on removal.
# Usage: remove-kernel-state.sh [--config FILE]
#   FILE (e.g. /etc/innerwarden/mesh.yaml): a `table:` setting there (plugin_settings.nftables.table, the only
#   setting of that name) names the enforcer's table; it is removed as well as the default innerwarden_mesh.
set -eu
PATH="$PATH:/usr/sbin:/sbin"
tables="innerwarden_mesh"
if [ "${1:-}" = "--config" ] && [ -n "${2:-}" ] && [ -r "$2" ]; then
  # The enforcer accepts only an identifier as the name (a letter, then letters, digits or '_').
  configured=$(sed -n 's/^[[:space:]]*table:[[:space:]]*["'"'"']\{0,1\}\([A-Za-z][A-Za-z0-9_]*\)["'"'"']\{0,1\}[[:space:]]*$/\1/p' "$2" | head -1)
  if [ -n "$configured" ] && [ "$configured" != innerwarden_mesh ]; then tables="$tables $configured"; fi
fi

for table in $tables; do
  if command -v nft >/dev/null 2>&1 && nft list table inet "$table" >/dev/null 2>&1; then
    nft delete table inet "$table"
    echo "removed nftables table inet $table"
  fi
done

for tool in iptables ip6tables; do
  command -v "$tool" >/dev/null 2>&1 || continue
  rules=$("$tool" -w 5 -S 2>/dev/null | grep -E -- '--match-set innerwarden-mesh-v[46] ' || true)
  [ -n "$rules" ] || continue
  # `-S` prints rules as `-A CHAIN args`; the same args after `-D CHAIN` delete that rule. The enforcer's
  # rules carry no quoted comment, so splitting on spaces is exact for them.
  printf '%s\n' "$rules" | while read -r _ chain args; do
    # shellcheck disable=SC2086 # args is a rule's argument list, split on purpose
    "$tool" -w 5 -D "$chain" $args
    echo "removed $tool rule in $chain: $args"
  done
done

if command -v ipset >/dev/null 2>&1; then
  for set in innerwarden-mesh-v4 innerwarden-mesh-v6; do
    if ipset list -n "$set" >/dev/null 2>&1; then
      ipset destroy "$set"
      echo "removed ipset set $set"
    fi
  done
fi
