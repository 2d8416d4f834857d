#!/usr/bin/env bash
# Builds the Debian package innerwarden-mesh_VERSION_ARCH.deb with dpkg-deb from the self-contained,
# ReadyToRun publish of the host (the .NET runtime inside: the server needs no SDK or runtime).
#
# Usage: packaging/deb/build.sh [VERSION [ARCH]]
#   VERSION  Debian version; default: <Version> of Directory.Build.props (dotnet msbuild -getProperty:Version)
#   ARCH     amd64 (default, publishes for linux-x64) or arm64 (linux-arm64)
# Environment:
#   OUT_DIR=DIR        where the .deb is written (default: artifacts/deb/ in the repository)
#   PUBLISH_DIR=DIR    package an existing `dotnet publish host/InnerWarden.Mesh.Host -c Release -r RID -o DIR`
#                      instead of publishing now (it is checked to be self-contained for ARCH)
#   MESH_READY_TO_RUN=false   publish without ReadyToRun (-p:MeshReadyToRun=false), to measure the difference
#   MESH_YAML=FILE     the default config to ship as /etc/innerwarden/mesh.yaml (default: packaging/mesh.yaml)
#   XZ_LEVEL=N         xz compression level, 0-9 (default 6, dpkg's own: 36 MB in ~65 s on 2 cores; 1: 42 MB in ~15 s)
# Layout: /usr/lib/innerwarden (the publish and remove-kernel-state.sh), /usr/bin/innerwarden (link),
# /lib/systemd/system/innerwarden-agent.service, /etc/innerwarden/mesh.yaml and
# /etc/fail2ban/action.d/innerwarden-mesh.conf (conffiles), docs and a man page.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
packaging="$(cd "$here/.." && pwd)"
repo="$(cd "$packaging/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

die() { echo "build.sh: $*" >&2; exit 2; }
say() { echo "==> $*" >&2; }

[ $# -le 2 ] || die "usage: build.sh [VERSION [ARCH]] (got $# arguments)"
version="${1:-}"
arch="${2:-amd64}"
case "$arch" in
  amd64) rid=linux-x64; elf_machine=3e ;;
  arm64) rid=linux-arm64; elf_machine=b7 ;;
  *) die "ARCH '$arch' is not supported (amd64 or arm64)" ;;
esac
if [ -z "$version" ]; then
  version="$(dotnet msbuild "$repo/Directory.Build.props" -getProperty:Version 2>/dev/null | tr -d '[:space:]')" \
    || die "could not read <Version> from $repo/Directory.Build.props (is the .NET SDK installed?)"
  [ -n "$version" ] || die "$repo/Directory.Build.props has no <Version>"
fi
# Debian policy 5.6.12: an upstream version starts with a digit; only [A-Za-z0-9.+~-] follow.
[[ "$version" =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || die "VERSION '$version' is not a Debian version (digits first, then [A-Za-z0-9.+~-])"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found (Debian's dpkg package)"

out_dir="${OUT_DIR:-$repo/artifacts/deb}"
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
deb="$out_dir/innerwarden-mesh_${version}_${arch}.deb"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 1. The self-contained publish for the RID.
publish="${PUBLISH_DIR:-}"
if [ -z "$publish" ]; then
  publish="$work/publish"
  r2r="${MESH_READY_TO_RUN:-true}"
  [[ "$r2r" =~ ^(true|false)$ ]] || die "MESH_READY_TO_RUN '$r2r' is not true or false"
  say "publishing host/InnerWarden.Mesh.Host for $rid (self-contained, MeshReadyToRun=$r2r)"
  dotnet publish "$repo/host/InnerWarden.Mesh.Host" -c Release -r "$rid" -o "$publish" -nologo -v quiet \
    "-p:MeshReadyToRun=$r2r" >&2
fi
[ -d "$publish" ] || die "PUBLISH_DIR '$publish' is not a directory"
[ -x "$publish/innerwarden" ] || die "'$publish' has no innerwarden executable: not a published host"
[ -d "$publish/plugins" ] || die "'$publish' has no plugins/ folder: not a published host"
[ -f "$publish/libcoreclr.so" ] || die "'$publish' is framework-dependent (no libcoreclr.so): publish with -r $rid"
# ELF header byte 18 is e_machine: 0x3e x86-64, 0xb7 AArch64.
machine="$(od -An -tx1 -j18 -N1 "$publish/libcoreclr.so" | tr -d ' ')"
[ "$machine" = "$elf_machine" ] || die "'$publish' was published for another architecture (ELF machine 0x$machine, $arch needs 0x$elf_machine)"

# 2. The package tree.
root="$work/root"
doc="$root/usr/share/doc/innerwarden-mesh"
install -d -m 0755 "$root/usr/lib" "$root/usr/bin" "$root/lib/systemd/system" "$doc" "$root/usr/share/man/man1" \
  "$root/etc/fail2ban/action.d" "$root/DEBIAN"
cp -a "$publish" "$root/usr/lib/innerwarden"
# Only the agent and the kernel-state script are programs; the rest (assemblies, .so, json, pdb) is data for
# them. Native libraries stay 0644 as Debian wants shared objects; the runtime loads them with dlopen.
find "$root/usr/lib/innerwarden" -type d -exec chmod 0755 {} +
find "$root/usr/lib/innerwarden" -type f -exec chmod 0644 {} +
chmod 0755 "$root/usr/lib/innerwarden/innerwarden"
[ ! -f "$root/usr/lib/innerwarden/createdump" ] || chmod 0755 "$root/usr/lib/innerwarden/createdump"
install -m 0755 "$packaging/remove-kernel-state.sh" "$root/usr/lib/innerwarden/remove-kernel-state.sh"
ln -s ../lib/innerwarden/innerwarden "$root/usr/bin/innerwarden"
install -m 0644 "$packaging/systemd/innerwarden-agent.service" "$root/lib/systemd/system/innerwarden-agent.service"
# The config is readable only by root and, through the stat override postinst registers, the service's group.
install -d -m 0750 "$root/etc/innerwarden"
mesh_yaml="${MESH_YAML:-$packaging/mesh.yaml}"
[ -f "$mesh_yaml" ] || die "MESH_YAML '$mesh_yaml' is not a file"
install -m 0640 "$mesh_yaml" "$root/etc/innerwarden/mesh.yaml"
install -m 0644 "$packaging/fail2ban/action.d/innerwarden-mesh.conf" "$root/etc/fail2ban/action.d/innerwarden-mesh.conf"

install -m 0644 "$here/copyright" "$doc/copyright"
install -m 0644 "$packaging/fail2ban/README.md" "$doc/README.fail2ban.md"
# nats-server configurations for the NATS transport (examples: nats-server is not a dependency).
install -d -m 0755 "$doc/examples/nats"
install -m 0644 "$packaging"/nats/*.conf "$doc/examples/nats/"
install -m 0644 "$repo/README.md" "$doc/README.md"
gzip -9n "$doc/README.md"
# The commit's time, not the build's: the changelog's date (and dpkg-deb's clamped file times) stay the same
# for every build of one commit.
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}"
export SOURCE_DATE_EPOCH="$epoch"
{
  echo "innerwarden-mesh ($version) unstable; urgency=medium"
  echo
  echo "  * Built from the InnerWarden.Mesh repository (see its README.md)."
  echo
  echo " -- InnerWarden.Mesh contributors <maintainers@innerwarden-mesh.invalid>  $(LC_ALL=C date -u -R -d "@$epoch")"
} >"$doc/changelog"
gzip -9n "$doc/changelog"
gzip -9n -c "$here/innerwarden.1" >"$root/usr/share/man/man1/innerwarden.1.gz"
chmod 0644 "$root/usr/share/man/man1/innerwarden.1.gz" "$doc/changelog.gz" "$doc/README.md.gz"
install -d -m 0755 "$root/usr/share/lintian/overrides"
install -m 0644 "$here/lintian-overrides" "$root/usr/share/lintian/overrides/innerwarden-mesh"

# 3. Control files.
for script in postinst prerm postrm; do
  install -m 0755 "$here/$script" "$root/DEBIAN/$script"
done
printf '%s\n' /etc/innerwarden/mesh.yaml /etc/fail2ban/action.d/innerwarden-mesh.conf >"$root/DEBIAN/conffiles"
chmod 0644 "$root/DEBIAN/conffiles"
installed_kb="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
# Depends: the firewall tools the enforcers drive, libnftables for the in-process nftables path, CA roots for
# TLS to peers, and what the self-contained .NET runtime links or loads: glibc, libgcc and libstdc++ as
# dpkg-shlibdeps computes them for the publish's ELF files, OpenSSL (loaded with dlopen, so shlibdeps cannot
# see it). Not zlib: the runtime's compression library carries its own zlib-ng (see lintian-overrides). Not
# libicu: InvariantGlobalization is on. passwd: postinst's groupadd/useradd/usermod.
cat >"$root/DEBIAN/control" <<CONTROL
Package: innerwarden-mesh
Version: $version
Architecture: $arch
Maintainer: InnerWarden.Mesh contributors <maintainers@innerwarden-mesh.invalid>
Installed-Size: $installed_kb
Depends: nftables | iptables, libnftables1, ca-certificates, passwd, libc6 (>= 2.34), libgcc-s1 (>= 3.0), libstdc++6 (>= 6), libssl3 | libssl1.1
Suggests: ipset, fail2ban
Section: net
Priority: optional
Homepage: https://github.com/innerwarden/innerwarden-mesh
Description: collaborative threat-signal mesh: attack one node, protect all others
 A node that sees an attack (an SSH brute force, a fail2ban ban) signs a threat
 signal with Ed25519 and sends it to its peers. Each peer verifies it, weighs it
 by a tit-for-tat trust score, stages a block with a TTL in its own firewall
 (nftables, or iptables with ipset) and raises or lowers the sender's trust as
 its own observations confirm or contradict the signal.
 .
 The package carries the .NET runtime; no SDK or runtime is needed. The agent
 runs as the innerwarden system user with only CAP_NET_ADMIN and CAP_NET_RAW.
 It is installed enabled but not started: run "innerwarden mesh enable" first.
CONTROL
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

# 4. The archive. --root-owner-group: every file root:root without fakeroot (ownership for the service comes
# from postinst's stat overrides).
xz_level="${XZ_LEVEL:-6}"
[[ "$xz_level" =~ ^[0-9]$ ]] || die "XZ_LEVEL '$xz_level' is not a level 0-9"
dpkg-deb --root-owner-group -Zxz "-z$xz_level" --build "$root" "$deb" >&2
say "built $deb ($(du -h "$deb" | cut -f1), installed $((installed_kb / 1024)) MiB)"
echo "$deb"
