#!/usr/bin/env bash
# Packages a provider binary as Pulumi expects a plugin release:
#   <outdir>/pulumi-resource-orderapi-v<version>-<os>-<arch>.tar.gz  holding the binary, README.md, schema.json
# usage: scripts/dist.sh <binary> <outdir>      (make dist: the release binary into dist/)
# The version is the binary's own (`--version`), so the tarball can never disagree with what it holds.
set -euo pipefail
binary=${1:?usage: dist.sh <binary> <outdir>}
out=${2:?usage: dist.sh <binary> <outdir>}
root=$(cd "$(dirname "$0")/.." && pwd)
version=$("$binary" --version | awk '{print $NF}')
os=$(uname -s | tr '[:upper:]' '[:lower:]')
case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
name=pulumi-resource-orderapi-v$version-$os-$arch.tar.gz
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -m 0755 "$binary" "$stage/pulumi-resource-orderapi"
cp "$root/README.md" "$root/schema.json" "$stage/"
mkdir -p "$out"
# Deterministic: fixed order, owner and mtime.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$stage" -czf "$out/$name" \
  pulumi-resource-orderapi README.md schema.json
echo "$out/$name"
