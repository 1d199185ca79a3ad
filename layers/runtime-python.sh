#!/usr/bin/env bash
# Print the path of a CPython X.Y that runs on this machine, to compile a layer's bytecode with the
# Lambda runtime's own version (bytecode is platform-independent, so this machine's architecture is fine).
#
#   layers/runtime-python.sh X.Y
#
# $PYTHON (default python3) when it is X.Y; otherwise Debian's python<X.Y> packages from the Debian
# release that ships it, fetched with this machine's apt sources and keyring (no root needed), unpacked
# with that release's own dynamic loader and libc under $RUNTIME_PYTHON_CACHE (default build/python/),
# and kept there: delete the folder to fetch again.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=${1:?usage: runtime-python.sh X.Y}
host=${PYTHON:-python3}
if [ "$("$host" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$version" ]; then
  command -v "$host"
  exit
fi

case $version in
  3.13) suite=trixie ;;
  *) echo "runtime-python.sh: no Debian release known to ship python$version; set PYTHON to one" >&2; exit 1 ;;
esac
cache=${RUNTIME_PYTHON_CACHE:-$root/build/python}
interpreter=$cache/python$version/python
if [ -x "$interpreter" ]; then
  echo "$interpreter"
  exit
fi

# The Debian archive this machine already uses, asked for another release.
. /etc/os-release
archive=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' |
  awk -v release="$VERSION_CODENAME" '$2 == release && $3 == "main" { print $1; exit }')
[ -n "$archive" ] || { echo "runtime-python.sh: no Debian $VERSION_CODENAME main source in apt's lists" >&2; exit 1; }

mkdir -p "$cache"
work=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/debs" "$work/root"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $archive $suite main" >"$work/sources.list"
apt_options=(
  -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work" -o Dir::State::Status=/dev/null
  -o Debug::NoLocking=1 -o "APT::Sandbox::User=$(id -un)" -qq
)
apt-get "${apt_options[@]}" update
(cd "$work/debs" && apt-get "${apt_options[@]}" download \
  "python$version-minimal" "libpython$version-minimal" "libpython$version-stdlib" libc6 zlib1g libexpat1)
for package in "$work"/debs/*.deb; do
  dpkg-deb -x "$package" "$work/root"
done

loaders=$(cd "$work/root" && ls -d usr/lib*/ld-linux*.so.* 2>/dev/null || true)
[ "$(echo "$loaders" | grep -c .)" = 1 ] || { echo "runtime-python.sh: expected one dynamic loader in the packages, found: ${loaders:-none}" >&2; exit 1; }
loader=$loaders
libraries=$(cd "$work/root" && dirname usr/lib/*/libc.so.6)
cat >"$work/root/python" <<EOF
#!/bin/sh
# Debian $suite's python$version, run through its own loader and libc.
here=\$(cd "\$(dirname "\$0")" && pwd)
exec "\$here/$loader" --library-path "\$here/$libraries" "\$here/usr/bin/python$version" "\$@"
EOF
chmod +x "$work/root/python"
"$work/root/python" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$version'.split('.')))"
rm -rf "$cache/python$version"
mv "$work/root" "$cache/python$version"
echo "$interpreter"
