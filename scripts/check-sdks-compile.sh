#!/usr/bin/env bash
# Compiles the generated SDKs the way their users will:
#   TypeScript  tsc (strict, the SDK's own tsconfig) against @pulumi/pulumi from npm
#   Python      builds the wheel, installs it into a venv with pulumi from PyPI, imports it
#   Go          go build + go vet against github.com/pulumi/pulumi/sdk/v3 from the module proxy
# Toolchains and dependencies are pinned and cached under $ORDERAPI_CACHE (idempotent).
# C# and Java are not generated (their code generators are not served here; see README).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${ORDERAPI_CACHE:-$HOME/.cache/pulumi-orderapi}
PULUMI_NODE=3.270.0 TYPESCRIPT=5.9.3 TYPES_NODE=20.19.43 PULUMI_PY=3.272.0 MYPY=2.4.1
log() { echo "[sdk-compile] $*" >&2; }

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

check_nodejs() {
  local deps tmp
  deps=$(node_deps)
  tmp=$(mktemp -d)
  cp -r sdk/nodejs/. "$tmp"
  ln -s "$deps/node_modules" "$tmp/node_modules"
  (cd "$tmp" && "$deps/node_modules/.bin/tsc" -p tsconfig.json --noEmit --strict)
  rm -rf "$tmp"
  log "nodejs: tsc --strict passed"
}

# examples/typescript against the generated SDK (mapped to its sources), strict.
check_typescript_example() {
  local deps tmp
  deps=$(node_deps)
  tmp=$(mktemp -d)
  cp examples/typescript/index.ts "$tmp/"
  cp -r sdk/nodejs "$tmp/sdk"
  ln -s "$deps/node_modules" "$tmp/node_modules"
  cat >"$tmp/tsconfig.json" <<'JSON'
{
    "compilerOptions": {
        "strict": true, "target": "ES2022", "module": "commonjs", "moduleResolution": "node",
        "types": ["node"], "skipLibCheck": true, "noEmit": true, "baseUrl": ".",
        "paths": {"@orderapi/pulumi-orderapi": ["./sdk/index.ts"]}
    },
    "files": ["index.ts"]
}
JSON
  (cd "$tmp" && "$deps/node_modules/.bin/tsc" -p tsconfig.json)
  rm -rf "$tmp"
  log "examples/typescript: tsc --strict passed"
}

check_python() {
  local venv=$CACHE/sdk-python-$PULUMI_PY tmp
  if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c "import pulumi, mypy" 2>/dev/null; then
    log "installing pulumi==$PULUMI_PY into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "pulumi==$PULUMI_PY" "mypy==$MYPY" setuptools wheel
  fi
  tmp=$(mktemp -d)
  # Built from a copy: setuptools writes build/ and *.egg-info next to the sources.
  cp -r sdk/python "$tmp/src"
  "$venv/bin/pip" wheel -q --no-deps --no-build-isolation -w "$tmp" "$tmp/src"
  "$venv/bin/pip" install -q --force-reinstall --no-deps "$tmp"/pulumi_orderapi-*.whl
  (cd "$tmp" && "$venv/bin/python" -c "
import pulumi_orderapi as o
assert hasattr(o, 'OrderApiPlatform') and hasattr(o.rds, 'ClusterInstance')
print('[sdk-compile] python: wheel built and imported:', o.OrderApiPlatform.__module__)
")
  # examples/python type-checked against the installed wheel.
  "$venv/bin/python" -m mypy --strict --ignore-missing-imports --no-incremental examples/python/__main__.py \
    examples/python/run.py
  log "examples/python: mypy --strict passed"
  rm -rf "$tmp"
}

check_go() {
  (cd sdk && go build ./... && go vet ./...)
  log "go: go build and go vet passed"
  (cd examples/go && go build -o /dev/null . && go vet ./... && go vet -tags inline ./...)
  log "examples/go: go build and go vet passed (and go vet of the inline runner)"
}

check_nodejs
check_typescript_example
check_python
check_go
