"""End to end: a Pulumi secret passed where the platform would store it in plaintext is refused at preview.

``service.environment`` values become plain SSM ``String`` parameters and task environment; a secret given there
(instead of ``service.secrets``) must stop ``pulumi preview`` and ``pulumi up`` with a failure naming
``service.environment.API_KEY`` and pointing to ``service.secrets``, never showing the value, with nothing created.
"""

from __future__ import annotations

import secrets as random

from conftest import REPO_ROOT, MotoServer, StackFactory, platform_inventory, tail

PROGRAM = REPO_ROOT / "tests" / "e2e" / "programs" / "secret-environment"


def test_a_secret_in_service_environment_is_refused_naming_it(moto: MotoServer, make_stack: StackFactory) -> None:
    moto.reset()
    plaintext = "orders-api-key-" + random.token_hex(12)
    stack = make_stack(PROGRAM, moto.endpoint)
    stack.config_set("apiKey", plaintext, secret=True)

    for verb in (["preview"], ["up", "--yes", "--skip-preview"]):
        result = stack.run([*verb, "--non-interactive"], timeout=600)
        output = result.stdout + result.stderr
        assert result.returncode != 0, f"`pulumi {verb[0]}` accepted a secret in service.environment:\n{tail(output)}"
        assert "service.environment.API_KEY" in output, tail(output)
        assert "service.secrets" in output, tail(output)
        assert plaintext not in output, f"`pulumi {verb[0]}` showed the secret:\n{tail(output)}"

    created = {kind: names for kind, names in platform_inventory(moto).items() if names}
    assert not created, f"a refused secret still created {created}"
