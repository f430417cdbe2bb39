"""End to end: the release packaging. ``scripts/dist.sh`` (what ``make dist`` runs on the release binary) packages
the provider binary on PATH; the tarball is installed with ``pulumi plugin install resource orderapi <version>
--file <tarball>`` into a fresh PULUMI_HOME, and ``examples/yaml`` deploys with ambient plugins ignored -- so the
only provider Pulumi can use is the one from the tarball.

The test packages the debug binary ``make test`` builds rather than a release build (20 minutes on this machine);
the packaging script and the install path are the same for both.
"""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

from conftest import REPO_ROOT, MotoServer, Stack, example, provider_config, require_tool


def test_tarball_installs_and_deploys(moto: MotoServer, tmp_path: Path) -> None:
    binary = require_tool("pulumi-resource-orderapi")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout.split()[-1]
    out = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "dist.sh"), binary, str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    tarball = Path(out)
    assert tarball.name == f"pulumi-resource-orderapi-v{version}-linux-amd64.tar.gz"
    with tarfile.open(tarball) as archive:
        members = {m.name: m for m in archive.getmembers()}
    assert set(members) == {"pulumi-resource-orderapi", "README.md", "schema.json"}
    assert members["pulumi-resource-orderapi"].mode & 0o111, "the binary is not executable"

    moto.reset()
    stack = Stack(example("yaml"), tmp_path / "stack", install=False)
    stack._pulumi("plugin", "install", "resource", "orderapi", version, "--file", str(tarball))
    listed = stack._pulumi("plugin", "ls").stdout
    assert "orderapi" in listed and version in listed, listed
    for key, value in {
        **provider_config(moto.endpoint),
        "environment": "dist",
        "environmentSuffix": "t1",
        # moto never runs ECS tasks: the service's deployment can never become steady there.
        "waitForSteadyState": "false",
    }.items():
        stack.config_set(key, value)
    stack.up()
    outputs = stack.outputs()
    assert outputs["vpcId"].startswith("vpc-")
    assert "alb-dist-t1" in outputs["albDnsName"]
    stack.destroy()
