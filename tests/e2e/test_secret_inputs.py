"""End to end: a Pulumi secret given in any string input of the component never shows in plaintext.

The inputs are not listed by hand: they are every string the component's schema takes (``schema.json``, walked
through its object types), every element of a string array and every value of a string map. For each, a YAML
program puts a fresh secret there — a secret stack config value (``pulumi config set --secret``, as a user would
pass one) — and nothing else unusual. Then:

- ``service.secrets.<NAME>``, the one input meant for secrets, deploys (``pulumi up``) at the engine's and the
  provider's most verbose logging; the exported state and every log line are searched for the plaintext, and it
  must also have reached AWS (Secrets Manager), so the search is not vacuous.
- every other input is refused at ``pulumi preview`` (run at the same verbosity) with a failure naming the input's
  path, because each of them lands in plaintext somewhere (child state, SSM ``String`` parameters, tags, names);
  the plaintext appears neither in the error nor anywhere in the log.
"""

from __future__ import annotations

import json
import secrets as random
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import DEPLOY_TIMEOUT, REPO_ROOT, MotoServer, Stack, StackFactory, platform_inventory, tail

COMPONENT = "orderapi:index:OrderApiPlatform"
PROGRAM = REPO_ROOT / "tests" / "e2e" / "programs" / "secret"
VERBOSE = ["-v=9", "--logtostderr", "--logflow", "--debug"]
ACCEPTED = "service.secrets.ORDERS_TOKEN"
#: The keys a map input gets (valid names, so a refusal can come only from the secret).
MAP_KEYS = {"tags": "Owner", "service.environment": "ORDERS_TOKEN", "service.secrets": "ORDERS_TOKEN"}

Path_ = tuple[Any, ...]


def string_inputs(schema: dict[str, Any]) -> Iterator[Path_]:
    """Every place in the component's inputs that holds a string, as a path of keys and list indices."""

    def walk(properties: dict[str, Any], prefix: Path_, seen: frozenset[str]) -> Iterator[Path_]:
        for name, spec in sorted(properties.items()):
            path = (*prefix, name)
            ref = spec.get("$ref", "").removeprefix("#/types/")
            if ref:
                if ref not in seen:
                    yield from walk(schema["types"][ref].get("properties", {}), path, seen | {ref})
            elif spec.get("type") == "string":
                yield path
            elif spec.get("type") == "array" and spec.get("items", {}).get("type") == "string":
                yield (*path, 0)
            elif spec.get("type") == "object" and spec.get("additionalProperties", {}).get("type") == "string":
                yield (*path, MAP_KEYS.get(".".join(path), "KEY"))

    yield from walk(schema["resources"][COMPONENT]["inputProperties"], (), frozenset())


def dotted(path: Path_) -> str:
    """The path as the provider names it: ``service.environment.ORDERS_TOKEN``, ``availabilityZones[0]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def properties_with_secret(path: Path_) -> dict[str, Any]:
    """The component's properties: a valid minimal platform plus the secret config value at ``path``."""
    # moto never runs ECS tasks: the service's deployment can never become steady there.
    properties: dict[str, Any] = {
        "environment": "test",
        "environmentSuffix": "sec2",
        "service": {"waitForSteadyState": False},
    }
    node: Any = properties
    for part, following in zip(path, path[1:]):
        if isinstance(following, int):
            node = node.setdefault(part, [])
        else:
            node = node.setdefault(part, {})
    last = path[-1]
    secret = "${theSecret}"
    if isinstance(last, int):
        node.append(secret)
    else:
        node[last] = secret
    return properties


def write_program(stack: Stack, path: Path_, plaintext: str) -> None:
    """The program with the secret at ``path``, and a new value of the secret config."""
    stack.config_set("theSecret", plaintext, secret=True)
    program = {
        "name": "orderapi-secret-e2e",  # the stack's project (tests/e2e/programs/secret)
        "runtime": "yaml",
        "config": {"theSecret": {"type": "string", "secret": True}},
        "resources": {"platform": {"type": COMPONENT, "properties": properties_with_secret(path)}},
        "outputs": {"vpcId": "${platform.vpcId}"},
    }
    # JSON is YAML.
    (stack.dir / "Pulumi.yaml").write_text(json.dumps(program, indent=2))


SCHEMA = json.loads((REPO_ROOT / "schema.json").read_text())
PATHS = list(string_inputs(SCHEMA))


def test_the_table_covers_every_group_of_inputs() -> None:
    """The walk reaches into every object input (a schema change that hid them would make the table vacuous)."""
    groups = {p[0] for p in PATHS}
    types = SCHEMA["types"]
    objects = {
        name
        for name, spec in SCHEMA["resources"][COMPONENT]["inputProperties"].items()
        if "$ref" in spec and '"type": "string"' in json.dumps(types[spec["$ref"].removeprefix("#/types/")])
    }
    assert len(objects) >= 6, objects
    assert objects <= groups, f"object inputs with string fields the table misses: {objects - groups}"
    assert dotted(tuple(ACCEPTED.split("."))) in {dotted(p) for p in PATHS}
    assert len(PATHS) >= 20, [dotted(p) for p in PATHS]


@pytest.fixture(scope="module")
def stack(moto: MotoServer, make_stack: StackFactory) -> Stack:
    return make_stack(PROGRAM, moto.endpoint)


@pytest.mark.parametrize("path", [p for p in PATHS if dotted(p) != ACCEPTED], ids=dotted)
def test_a_secret_in_a_plain_input_is_refused_without_showing_it(
    stack: Stack, moto: MotoServer, path: Path_
) -> None:
    plaintext = "orders-secret-" + random.token_hex(12)
    write_program(stack, path, plaintext)
    result = stack.run(["preview", "--non-interactive", *VERBOSE], timeout=DEPLOY_TIMEOUT)
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"preview accepted a secret in {dotted(path)}:\n{tail(output)}"
    assert f"{dotted(path)}: " in output, f"the refusal does not name {dotted(path)}:\n{tail(output)}"
    assert plaintext not in output, f"the secret given in {dotted(path)} is in the log or the error"
    created = {kind: names for kind, names in platform_inventory(moto).items() if names}
    assert not created, f"a refused secret still created {created}"


def test_a_secret_in_service_secrets_is_ciphertext_in_state_and_absent_from_logs(
    stack: Stack, moto: MotoServer
) -> None:
    moto.reset()
    plaintext = "orders-secret-" + random.token_hex(12)
    write_program(stack, tuple(ACCEPTED.split(".")), plaintext)
    logs = {}
    try:
        for verb in (["preview"], ["up", "--yes", "--skip-preview"]):
            result = stack.run([*verb, "--non-interactive", *VERBOSE], timeout=DEPLOY_TIMEOUT)
            output = result.stdout + result.stderr
            assert result.returncode == 0, tail(output)
            logs[verb[0]] = output

        # It reached AWS, so the searches below look for a value that flowed through every layer.
        secretsmanager = moto.client("secretsmanager")
        [app] = [s for s in secretsmanager.list_secrets()["SecretList"] if s["Name"] == "secret-app-test-sec2"]
        assert json.loads(secretsmanager.get_secret_value(SecretId=app["ARN"])["SecretString"]) == {
            "ORDERS_TOKEN": plaintext
        }
        exported = stack.run(["stack", "export"], check=True).stdout
        assert plaintext not in exported, "the secret's plaintext is in the state file"
        assert "ciphertext" in exported
    finally:
        result = stack.run(["destroy", "--yes", "--skip-preview", "--non-interactive", *VERBOSE], timeout=DEPLOY_TIMEOUT)
        logs["destroy"] = result.stdout + result.stderr
        assert result.returncode == 0, tail(logs["destroy"])
    for verb, output in logs.items():
        assert len(output) > 100_000, f"`pulumi {verb}` logged too little for this check to mean anything"
        assert plaintext not in output, f"`pulumi {verb}` logged the secret's plaintext"
