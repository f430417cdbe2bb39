"""End to end: a Secret's value is a Pulumi secret in the state file and never appears in any log.

The program (``tests/e2e/programs/secret``) creates one ``orderapi:secretsmanager:Secret`` whose ``secretString``
comes from a secret stack config value. The deployment runs with the engine's and the provider's most verbose
logging (``-v=11 --logtostderr --logflow --debug``). Then:

- the value really reached AWS (boto3 reads it back), so the assertions below are not vacuous;
- the exported state holds ``secretString`` only as a secret: an object with Pulumi's secret signature and a
  ``ciphertext`` (the passphrase secrets provider's encryption), and the plaintext occurs nowhere in the file;
- the plaintext occurs nowhere in the output of ``up``, ``refresh`` or ``destroy`` at that verbosity.
"""

from __future__ import annotations

import json
import secrets as random
from pathlib import Path

from conftest import REPO_ROOT, MotoServer, StackFactory, tail

PROGRAM = REPO_ROOT / "tests" / "e2e" / "programs" / "secret"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
VERBOSE = ["-v=11", "--logtostderr", "--logflow", "--debug"]


def find_secret_property(state: dict, urn_suffix: str, key: str) -> object:
    """The recorded input ``key`` of the resource whose URN ends with ``urn_suffix``."""
    for resource in state["deployment"].get("resources") or []:
        if resource["urn"].endswith(urn_suffix):
            return resource.get("inputs", {}).get(key), resource.get("outputs", {}).get(key)
    raise AssertionError(f"no resource ending in {urn_suffix} in the state")


def test_secret_value_is_ciphertext_in_state_and_absent_from_logs(
    moto: MotoServer, make_stack: StackFactory, tmp_path: Path
) -> None:
    moto.reset()
    plaintext = "orders-api-key-" + random.token_hex(12)
    stack = make_stack(PROGRAM, moto.endpoint)
    stack.config_set("apiKey", plaintext, secret=True)

    logs = []
    for verb in (["up", "--yes", "--skip-preview"], ["refresh", "--yes", "--skip-preview"]):
        result = stack.run([*verb, "--non-interactive", *VERBOSE], check=True, timeout=600)
        logs.append((" ".join(verb), result.stdout + result.stderr))

    # The value reached AWS: what follows is about a real secret, not an empty one.
    value = moto.client("secretsmanager").get_secret_value(SecretId="secret-e2e-state")["SecretString"]
    assert value == plaintext

    exported = stack.run(["stack", "export"], check=True).stdout
    assert plaintext not in exported, "the secret's plaintext is in the state file"
    state = json.loads(exported)
    recorded_input, recorded_output = find_secret_property(state, "::appSecret", "secretString")
    for where, recorded in (("inputs", recorded_input), ("outputs", recorded_output)):
        assert isinstance(recorded, dict), f"secretString in {where} is not a secret object: {recorded!r}"
        assert recorded.get("4dabf18193072939515e22adb298388d") == SECRET_SIG, f"{where}: {recorded!r}"
        assert recorded.get("ciphertext"), f"secretString in {where} has no ciphertext: {recorded!r}"

    result = stack.run(["destroy", "--yes", "--skip-preview", "--non-interactive", *VERBOSE], check=True, timeout=600)
    logs.append(("destroy", result.stdout + result.stderr))
    for verb, output in logs:
        assert len(output) > 10_000, f"`pulumi {verb}` logged too little for this check to mean anything"
        assert plaintext not in output, f"`pulumi {verb}` logged the secret's plaintext:\n{tail(output)}"
    # The logs do carry the resource's other properties (its name), so a leaked value would have shown.
    assert "secret-e2e-state" in logs[0][1]
