#!/usr/bin/env bash
# Installs the project's external tools, idempotently, into a cache directory:
#   - the Pulumi CLI built from Go modules (no binary download is possible here)
#   - pulumi-language-yaml, and whichever of the nodejs/python/go language hosts build from the module proxy
#   - moto server in a Python venv
# Prints nothing but progress; `tools.sh env` prints the PATH/variables to export.
set -euo pipefail

PULUMI_VERSION=v3.274.1
YAML_VERSION=v1.25.0
MOTO_VERSION=5.2.5

CACHE=${ORDERAPI_CACHE:-$HOME/.cache/pulumi-orderapi}
BIN=$CACHE/pulumi-$PULUMI_VERSION/bin
VENV=$CACHE/moto-$MOTO_VERSION
BUILD=$CACHE/build
export GOFLAGS=-buildvcs=false

log() { printf '[tools] %s\n' "$*" >&2; }

build_pulumi() {
  if [[ -x $BIN/pulumi ]]; then return; fi
  log "building pulumi $PULUMI_VERSION from Go modules (first run only, several minutes)"
  local dir=$BUILD/pulumi-cli-$PULUMI_VERSION
  rm -rf "$dir" && mkdir -p "$dir" "$BIN"
  (
    cd "$dir"
    go mod init orderapi.tools/pulumi-cli >/dev/null 2>&1
    go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION"
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    mv "$BIN/pulumi.tmp" "$BIN/pulumi"
  )
}

# go_install_host NAME MODULE_PACKAGE VERSION: builds a language host next to pulumi; failure is reported, not fatal.
go_install_host() {
  local name=$1 pkg=$2 version=$3
  if [[ -x $BIN/$name ]]; then return 0; fi
  log "building $name ($pkg@$version)"
  local dir=$BUILD/$name
  rm -rf "$dir" && mkdir -p "$dir"
  if (
    cd "$dir"
    go mod init "orderapi.tools/$name" >/dev/null 2>&1
    go get "$pkg@$version" &&
      go build -trimpath -ldflags "-s -w" -o "$BIN/$name.tmp" "$pkg" &&
      mv "$BIN/$name.tmp" "$BIN/$name"
  ) >"$dir.log" 2>&1; then
    log "$name: built"
  else
    log "$name: could not be built (see $dir.log):"
    tail -n 5 "$dir.log" >&2
    return 1
  fi
}

build_hosts() {
  go_install_host pulumi-language-yaml github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml "$YAML_VERSION" || exit 1
  # The nodejs/python/go hosts are modules of the pulumi repository without tags of their own. The proxy serves no
  # Origin (commit) for the pkg tag, so they are asked for at the release version; where the proxy refuses them
  # (it answers 403 "not available" for these paths here) the failure is reported and the YAML host still works.
  go_install_host pulumi-language-nodejs github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 "$PULUMI_VERSION" || true
  go_install_host pulumi-language-python github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3 "$PULUMI_VERSION" || true
  go_install_host pulumi-language-go github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3 "$PULUMI_VERSION" || true
}

install_moto() {
  local reqs stamp
  reqs="$(dirname "$0")/../tests/e2e/requirements.txt"
  stamp="$VENV/.installed-$(cat "$reqs" 2>/dev/null | sha256sum | cut -c1-12)"
  if [[ -x $VENV/bin/moto_server && -f $stamp ]]; then return; fi
  log "installing moto[server]==$MOTO_VERSION and the e2e test requirements into $VENV"
  [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "moto[server]==$MOTO_VERSION" -r "$reqs"
  touch "$stamp"
}

case "${1:-all}" in
  all) build_pulumi; build_hosts; install_moto ;;
  pulumi) build_pulumi; build_hosts ;;
  moto) install_moto ;;
  env)
    printf 'export PATH=%q:$PATH\n' "$BIN"
    printf 'export ORDERAPI_MOTO_SERVER=%q\n' "$VENV/bin/moto_server"
    printf 'export ORDERAPI_PYTHON=%q\n' "$VENV/bin/python"
    ;;
  *) echo "usage: $0 [all|pulumi|moto|env]" >&2; exit 2 ;;
esac
