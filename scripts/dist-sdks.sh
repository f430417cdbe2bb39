#!/usr/bin/env bash
# Builds the installable SDK packages from sdk/, the way Pulumi packages are built and published:
#   <outdir>/orderapi-pulumi-orderapi-<version>.tgz   npm: tsc output (JS + .d.ts) with package.json (main, types)
#                                                     and the README, packed by `npm pack` from the build directory
#   <outdir>/pulumi_orderapi-<version>-py3-none-any.whl and pulumi_orderapi-<version>.tar.gz
#                                                     Python: wheel + sdist by `python -m build`, README as the
#                                                     long description
# The Go SDK is a module, not an artifact: github.com/orderapi/pulumi-orderapi/sdk (sdk/go.mod), package
# github.com/orderapi/pulumi-orderapi/sdk/go/orderapi; outside this repository use a `replace` to a checkout.
# usage: scripts/dist-sdks.sh <outdir>      (make dist: into dist/); prints the artifacts' paths
# Toolchains are pinned and cached under $ORDERAPI_CACHE (shared with scripts/check-sdks-compile.sh).
set -euo pipefail
out=${1:?usage: dist-sdks.sh <outdir>}
root=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${ORDERAPI_CACHE:-$HOME/.cache/pulumi-orderapi}
PULUMI_NODE=3.270.0 TYPESCRIPT=5.9.3 TYPES_NODE=20.19.43
BUILD=1.6.1 SETUPTOOLS=84.2.1 WHEEL=0.48.0
log() { echo "[dist-sdks] $*" >&2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# The same dependency directory as check-sdks-compile.sh: @pulumi/pulumi, typescript, @types/node.
node_deps() {
  local dir=$CACHE/sdk-nodejs-$PULUMI_NODE-$TYPESCRIPT
  if [[ ! -x $dir/node_modules/.bin/tsc ]]; then
    log "installing @pulumi/pulumi@$PULUMI_NODE typescript@$TYPESCRIPT @types/node@$TYPES_NODE into $dir"
    mkdir -p "$dir"
    (cd "$dir" && echo '{"private": true}' >package.json &&
      npm install --silent --no-audit --no-fund --save-exact \
        "@pulumi/pulumi@$PULUMI_NODE" "typescript@$TYPESCRIPT" "@types/node@$TYPES_NODE" >/dev/null)
  fi
  echo "$dir"
}

npm_package() {
  local deps src=$stage/nodejs
  deps=$(node_deps)
  cp -r "$root/sdk/nodejs" "$src"
  ln -s "$deps/node_modules" "$src/node_modules"
  (cd "$src" && "$deps/node_modules/.bin/tsc" -p tsconfig.json)
  # What gets published is the build directory, with the package manifest pointing at the compiled entry point.
  node -e '
const fs = require("fs");
const pkg = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
pkg.main = "index.js";
pkg.types = "index.d.ts";
delete pkg.scripts;
delete pkg.devDependencies;
fs.writeFileSync(process.argv[2], JSON.stringify(pkg, null, 4) + "\n");
' "$src/package.json" "$src/bin/package.json"
  cp "$root/README.md" "$src/bin/README.md"
  (cd "$src/bin" && npm pack --silent --pack-destination "$out" >/dev/null)
  local version
  version=$(node -p 'require(process.argv[1]).version' "$src/package.json")
  echo "$out/orderapi-pulumi-orderapi-$version.tgz"
}

python_packages() {
  local venv=$CACHE/sdk-build-python-$BUILD src=$stage/python
  if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c "import build, setuptools, wheel" 2>/dev/null; then
    log "installing build==$BUILD setuptools==$SETUPTOOLS wheel==$WHEEL into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "build==$BUILD" "setuptools==$SETUPTOOLS" "wheel==$WHEEL"
  fi
  cp -r "$root/sdk/python" "$src"
  # pyproject.toml's `readme = "README.md"` is read next to it: the long description of the wheel and sdist.
  cp "$root/README.md" "$src/README.md"
  "$venv/bin/python" -m build --no-isolation --sdist --wheel --outdir "$out" "$src" >"$stage/build.log" 2>&1 ||
    { cat "$stage/build.log" >&2; exit 1; }
  ls "$out"/pulumi_orderapi-*.whl "$out"/pulumi_orderapi-*.tar.gz
}

npm_package
python_packages
