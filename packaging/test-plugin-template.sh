#!/usr/bin/env bash
# A third party's plugin, built from the packages alone:
#   `dotnet pack` the contracts and the `innerwarden-plugin` template into a local folder feed -> `dotnet new
#   install` the template from it -> `dotnet new innerwarden-plugin --kind K` for every kind in a temp dir outside
#   the repository, with a nuget.config there naming the folder feed beside the machine's own feeds -> build and
#   run each generated test project -> publish the trust plugin into a published host's plugins/, select it
#   (`plugins.trust`, with its declared setting `trust: 0.7`), run two nodes on loopback and show node B weighing
#   node A's signal by it (score 0.7 for confidence 1.0, where the default tit-for-tat would give an unknown
#   signer 0.1).
# Usage: packaging/test-plugin-template.sh    PUBLISH_DIR=DIR reuses `dotnet publish host/InnerWarden.Mesh.Host`
# Prints PASS:/FAIL: lines and ends with "N passed, N failed".
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
# shellcheck source=test-lib.sh
. "$here/test-lib.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work="$(mktemp -d /tmp/iwm-plugin-XXXXXX)"
feed="$work/feed"
pids=()
template_installed=""
version="$(dotnet msbuild "$repo/Directory.Build.props" -getProperty:Version | tr -d '[:space:]')"
packages="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p')"
# The feed's packages carry the repository's version; a copy of another build under that version in the global
# packages folder would be used instead of the feed's, so it goes before and after.
forget_cached() { rm -rf "${packages:?}/innerwarden.mesh.contracts/$version" "${packages:?}/innerwarden.mesh.templates/$version"; }
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$template_installed" ]; then dotnet new uninstall InnerWarden.Mesh.Templates >/dev/null 2>&1 || true; fi
  forget_cached
  rm -rf "$work"
}
trap cleanup EXIT
forget_cached

# --- the packages -----------------------------------------------------------------------------------------------
for project in contracts/InnerWarden.Mesh.Contracts templates/InnerWarden.Mesh.Templates; do
  if dotnet pack "$repo/$project" -c Release -o "$feed" -nologo -v quiet >"$work/pack.log" 2>&1; then
    pass "dotnet pack $project"
  else
    cat "$work/pack.log"; fail "dotnet pack $project"; finish; exit 1
  fi
done
nupkg="$feed/InnerWarden.Mesh.Contracts.$version.nupkg"
check "the contracts package is InnerWarden.Mesh.Contracts.$version.nupkg" test -f "$nupkg"
listing="$(unzip -l "$nupkg")"
check "it carries the XML docs and the README" \
  bash -c 'grep -q "lib/net10.0/InnerWarden.Mesh.Contracts.xml" <<<"$1" && grep -q " README.md" <<<"$1"' sh "$listing"
nuspec="$(unzip -p "$nupkg" InnerWarden.Mesh.Contracts.nuspec)"
check "its nuspec names the repository and this commit" \
  grep -q "<repository type=\"git\" url=\"[^\"]*\" commit=\"$(git -C "$repo" rev-parse HEAD)\"" <<<"$nuspec"
check "its README states what is breaking" bash -c 'unzip -p "$1" README.md | grep -q "^\*\*Breaking"' sh "$nupkg"

# --- the template, from the feed --------------------------------------------------------------------------------
if dotnet new install "$feed/InnerWarden.Mesh.Templates.$version.nupkg" >"$work/install.log" 2>&1; then
  template_installed=1; pass "dotnet new install InnerWarden.Mesh.Templates.$version.nupkg"
else
  cat "$work/install.log"; fail "dotnet new install the template"; finish; exit 1
fi
src="$work/src"
mkdir -p "$src"
# The folder feed beside the machine's own feeds (not cleared): the packages come from the feed, the test
# framework from wherever this machine gets packages.
cat >"$src/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="innerwarden-local" value="$feed" />
  </packageSources>
</configuration>
CONFIG
kinds=(${TEMPLATE_KINDS:-trust staging enforcer detector transport})
generated=()
for kind in "${kinds[@]}"; do
  name="Acme.${kind^}Plugin"
  if ! dotnet new innerwarden-plugin -n "$name" --kind "$kind" -o "$src/$kind" >"$work/new-$kind.log" 2>&1; then
    cat "$work/new-$kind.log"; fail "dotnet new innerwarden-plugin --kind $kind"; continue
  fi
  check "--kind $kind references the contracts package, not the repository" \
    bash -c '! grep -rq "ProjectReference.*InnerWarden.Mesh.Contracts" "$1" && grep -q "PackageReference Include=\"InnerWarden.Mesh.Contracts\" Version=\"$2\"" "$1/$3/$3.csproj"' \
    sh "$src/$kind" "$version" "$name"
  generated+=("$kind")
done
# Every generated solution in one build and test run (one restore, both cores), as `dotnet test NAME.slnx` in each
# folder would do it one by one; each kind's test assembly reports on its own line.
{
  echo "<Solution>"
  for kind in "${generated[@]}"; do
    name="Acme.${kind^}Plugin"
    echo "  <Project Path=\"$kind/$name/$name.csproj\" />"
    echo "  <Project Path=\"$kind/$name.Tests/$name.Tests.csproj\" />"
  done
  echo "</Solution>"
} >"$src/all.slnx"
t0=$(date +%s)
(cd "$src" && dotnet test all.slnx -c Release -nologo >"$work/test.log" 2>&1) || true
echo "built and tested ${#generated[@]} generated plugins in $(( $(date +%s) - t0 )) s"
for kind in "${generated[@]}"; do
  result="$(grep -E "(Passed|Failed)! .* - Acme\.${kind^}Plugin\.Tests\.dll" "$work/test.log" || true)"
  if grep -q '^Passed!' <<<"$result"; then
    pass "--kind $kind: builds against the package and its generated tests pass ($(grep -oE 'Passed: +[0-9]+' <<<"$result"))"
  else
    grep -E "error|Failed" "$work/test.log" | grep -i "${kind}" | head -20 || true
    fail "--kind $kind: builds against the package and its generated tests pass"
  fi
done

# --- the trust plugin in a published host ---------------------------------------------------------------------
host="$work/host"
if [ -n "${PUBLISH_DIR:-}" ]; then
  cp -a "$PUBLISH_DIR" "$host"
elif ! dotnet publish "$repo/host/InnerWarden.Mesh.Host" -c Release -o "$host" -nologo -v quiet >"$work/publish.log" 2>&1; then
  cat "$work/publish.log"; fail "publish the host"; finish; exit 1
fi
plugin="Acme.TrustPlugin"
if dotnet publish "$src/trust/$plugin/$plugin.csproj" -c Release -o "$host/plugins/$plugin" -nologo -v quiet >"$work/publish-plugin.log" 2>&1; then
  pass "dotnet publish $plugin into the host's plugins/$plugin"
else
  cat "$work/publish-plugin.log"; fail "dotnet publish $plugin"
fi
check "the plugin folder carries no copy of the contracts" test ! -e "$host/plugins/$plugin/InnerWarden.Mesh.Contracts.dll"

iw="$host/innerwarden"
mkdir -p "$work/a" "$work/b"
cat >"$work/b/mesh.yaml" <<YAML
enabled: true
bind: "127.0.0.1:0"
plugins:
  trust: acme.trustplugin
  enforcer: log-only
plugin_settings:
  acme.trustplugin:
    trust: 0.7
YAML
"$iw" agent --config "$work/b/mesh.yaml" --data-dir "$work/b" >"$work/b/agent.log" 2>&1 &
pids+=($!)
port_b=""
for _ in $(seq 1 300); do
  port_b="$(sed -n 's|.* started: listening on https\{0,1\}://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/b/agent.log" | head -1 || true)"
  [ -z "$port_b" ] || break
  sleep 0.1
done
if [ -n "$port_b" ] && grep -q 'acme.trustplugin 1.0.0' "$work/b/agent.log"; then
  pass "node B runs with plugins.trust: acme.trustplugin (port $port_b)"
else
  cat "$work/b/agent.log"; fail "node B runs with plugins.trust: acme.trustplugin"
fi
cat >"$work/a/mesh.yaml" <<YAML
enabled: true
bind: "127.0.0.1:0"
peers:
  - endpoint: "http://127.0.0.1:$port_b"
plugins:
  enforcer: log-only
  detectors: [local-report]
YAML
"$iw" agent --config "$work/a/mesh.yaml" --data-dir "$work/a" >"$work/a/agent.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do grep -q 'mesh node [0-9a-f]* started: ' "$work/a/agent.log" && break; sleep 0.1; done
node_a="$("$iw" mesh identity --json --config "$work/a/mesh.yaml" --data-dir "$work/a" | jq -r .node_id)"
attacker=185.220.1.7
if "$iw" mesh report "$attacker" --detector template_test --confidence 1.0 --evidence "template test" \
    --config "$work/a/mesh.yaml" --data-dir "$work/a" >"$work/report.log" 2>&1; then
  pass "node A takes a local detection of $attacker and broadcasts it"
else
  cat "$work/report.log" "$work/a/agent.log"; fail "node A takes a local detection of $attacker"
fi
line=""
for _ in $(seq 1 100); do
  line="$(cat "$work"/b/mesh-signals-*.jsonl 2>/dev/null | jq -c "select(.direction == \"received\" and .ip == \"$attacker\" and .node_id == \"$node_a\")" 2>/dev/null | head -1 || true)"
  [ -z "$line" ] || break
  sleep 0.1
done
if [ -n "$line" ]; then
  pass "node B's audit log holds node A's signal: $line"
else
  cat "$work/b/agent.log"; fail "node B's audit log holds node A's signal"
fi
check "node B weighed it by the plugin: score 0.7 = its setting trust: 0.7 x confidence 1.0 (tit-for-tat: 0.1)" \
  test "$(jq -r .score <<<"${line:-{\}}")" = 0.7
check "and staged it as a short block (0.6 <= 0.7 < 0.8)" test "$(jq -r .action <<<"${line:-{\}}")" = blocked_short_ttl

finish
