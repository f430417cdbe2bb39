#!/usr/bin/env bash
# make demo: start the embedded AWS emulator (moto), deploy examples/yaml to it with the real Pulumi CLI and a
# local file backend, and print the stack outputs. `make demo-destroy` destroys the stack and stops the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${ORDERAPI_CACHE:-$HOME/.cache/pulumi-orderapi}
DEMO=$CACHE/demo
mkdir -p "$DEMO/state"
export PULUMI_HOME=$DEMO/home PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-demo-passphrase}
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
MOTO=${ORDERAPI_MOTO_SERVER:?run make tools first}

emulator_running() { [[ -f $DEMO/moto.pid ]] && kill -0 "$(cat "$DEMO/moto.pid")" 2>/dev/null; }

start_emulator() {
  if emulator_running; then return; fi
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # emulator/: the project's patches for behaviours moto lacks (see emulator/README.md).
  PYTHONPATH="$ROOT/emulator" "$MOTO" -H 127.0.0.1 -p "$port" >"$DEMO/moto.log" 2>&1 &
  echo $! >"$DEMO/moto.pid"
  echo "$port" >"$DEMO/moto.port"
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && return
    sleep 0.2
  done
  echo "moto did not start; see $DEMO/moto.log" >&2
  exit 1
}

stop_emulator() {
  if emulator_running; then kill "$(cat "$DEMO/moto.pid")" && rm -f "$DEMO/moto.pid"; fi
}

pulumi login --non-interactive "file://$DEMO/state" >/dev/null
# Install the freshly built provider into the demo's PULUMI_HOME, as a user installs a released plugin.
provider=$(command -v pulumi-resource-orderapi)
pulumi plugin install resource orderapi "$("$provider" --version | awk '{print $NF}')" --file "$provider" --reinstall >/dev/null
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
cd examples/yaml
case "${1:-up}" in
  up)
    start_emulator
    endpoint="http://127.0.0.1:$(cat "$DEMO/moto.port")"
    pulumi stack select --create demo --non-interactive >/dev/null
    pulumi config set orderapi:endpoint "$endpoint"
    pulumi config set orderapi:region us-east-1
    pulumi config set orderapi:skipCredentialsValidation true
    # The emulator never runs ECS tasks, so the service's deployment can never become steady there.
    pulumi config set waitForSteadyState false
    # --refresh: a restarted emulator has lost what the state remembers; refresh lets `up` recreate it.
    pulumi up --yes --non-interactive --skip-preview --refresh
    echo
    echo "Stack outputs (emulator at $endpoint):"
    pulumi stack output --json
    echo
    echo "Destroy it and stop the emulator with: make demo-destroy"
    ;;
  destroy)
    if emulator_running; then
      pulumi stack select demo --non-interactive && pulumi destroy --yes --non-interactive --skip-preview
      pulumi stack rm demo --yes --non-interactive
    fi
    stop_emulator
    ;;
  *) echo "usage: $0 [up|destroy]" >&2; exit 2 ;;
esac
