#!/usr/bin/env bash
# Build a Lambda layer zip from PyPI packages, for the Lambda platform rather than this machine.
#
#   layers/create-layer.sh [-o OUT.zip] [-r RUNTIME] [-a ARCH] [-x DIR] PACKAGE...
#
#   -o  the zip to write (default: dist/layer.zip)
#   -r  Lambda runtime, pythonX.Y (default: python3.13)
#   -a  arm64 or x86_64 (default: arm64)
#   -x  a folder whose contents are added under python/ too (our own library)
#
# Wheels only (--only-binary=:all:), installed under python/ so Lambda finds them in /opt/python.
# Tests, host caches, type stubs and docs are stripped; the zip is deterministic. boto3 and botocore
# are never added: the runtime's own must not be shadowed. Every module ships its bytecode, compiled
# by the runtime's Python version (layers/runtime-python.sh) as unchecked hash-based .pyc files:
# /opt is read-only, so without them every cold start would compile pandas and matplotlib again.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
output=dist/layer.zip
runtime=python3.13
arch=arm64
extra=()
while getopts "o:r:a:x:" option; do
  case $option in
    o) output=$OPTARG ;;
    r) runtime=$OPTARG ;;
    a) arch=$OPTARG ;;
    x) extra+=("$OPTARG") ;;
    *) sed -n '2,14p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "create-layer.sh: name at least one package" >&2; exit 2; }

case $arch in
  arm64) platforms=(manylinux_2_28_aarch64 manylinux2014_aarch64) ;;
  x86_64) platforms=(manylinux_2_28_x86_64 manylinux2014_x86_64) ;;
  *) echo "create-layer.sh: architecture must be arm64 or x86_64, not $arch" >&2; exit 2 ;;
esac
python_version=${runtime#python}
python=${PYTHON:-python3}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/python"

"$python" -m pip install --quiet --no-compile --disable-pip-version-check --root-user-action=ignore \
  --target "$work/python" --implementation cp --python-version "$python_version" \
  "${platforms[@]/#/--platform=}" --only-binary=:all: "$@"

for package in boto3 botocore s3transfer; do
  if [ -d "$work/python/$package" ]; then
    echo "create-layer.sh: $package must come from the Lambda runtime, not a layer" >&2
    exit 1
  fi
done

for folder in "${extra[@]}"; do
  cp -R "$folder"/. "$work/python/"
done

# What no function needs at run time.
find "$work/python" -depth -type d \( -name tests -o -name test -o -name __pycache__ \) -exec rm -rf {} +
find "$work/python" -type f \( -name '*.pyc' -o -name '*.pyi' -o -name '*.pxd' -o -name '*.pyx' \
  -o -name '*.c' -o -name '*.h' -o -name '*.cpp' -o -name '*.hpp' \) -delete
rm -rf "$work/python/matplotlib/mpl-data/sample_data" "$work/python/bin"
# fontTools' compiled modules only speed up font subsetting for PDF/PS output; its pure-Python
# fallbacks remain. Our charts are SVG with DejaVu Sans, so the other font families go too.
find "$work/python/fontTools" -name '*.so' -delete 2>/dev/null || true
rm -f "$work/python/matplotlib/mpl-data/fonts/ttf/"{STIX,DejaVuSerif,DejaVuSansMono}*.ttf
find "$work/python" -path '*/numpy/_core/include' -prune -exec rm -rf {} +
find "$work/python" -path '*/numpy/f2py' -prune -exec rm -rf {} +

# Unchecked hashes: valid whatever the file times in the zip; recorded paths are those under /opt.
# A fixed hash seed, so that the same sources give the same bytes; -S -s keep the host's own
# site-packages and .pth files out of the compiler.
compiler=$("$here/runtime-python.sh" "$python_version")
echo "create-layer.sh: bytecode by $("$compiler" -S -s -c 'import sys; print("Python", sys.version.split()[0])')"
PYTHONHASHSEED=0 "$compiler" -S -s -m compileall -q --invalidation-mode unchecked-hash \
  -s "$work/python" -p /opt/python "$work/python"

output=$(realpath -m "$output")
mkdir -p "$(dirname "$output")"
(cd "$root" && "$python" -m tools.deterministic_zip --bytecode "$output" "$work/python=python")
unzipped=$(du -sb "$work/python" | cut -f1)
zipped=$(stat -c %s "$output")
printf '%s: %s MB zipped, %s MB unzipped (%s, %s)\n' "$output" \
  "$(awk "BEGIN{printf \"%.1f\", $zipped/1e6}")" "$(awk "BEGIN{printf \"%.1f\", $unzipped/1e6}")" "$runtime" "$arch"
