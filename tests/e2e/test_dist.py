"""End to end: the release packaging (the SDK packages: the second test). ``scripts/dist.sh`` (what ``make dist`` runs on the release binary) packages
the provider binary on PATH; the tarball is installed with ``pulumi plugin install resource orderapi <version>
--file <tarball>`` into a fresh PULUMI_HOME, and ``examples/yaml`` deploys with ambient plugins ignored -- so the
only provider Pulumi can use is the one from the tarball.

The test packages the debug binary ``make test`` builds rather than a release build (20 minutes on this machine);
the packaging script and the install path are the same for both.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
import zipfile
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


def test_sdk_packages_install_into_fresh_projects(tmp_path: Path) -> None:
    """``scripts/dist-sdks.sh`` (``make dist``) writes the npm tarball (compiled JS, ``main`` and ``types``) and the
    Python wheel + sdist (the README as long description); a fresh node project and a fresh venv install them and
    import OrderApiPlatform. Dependencies come from npm and PyPI (their clients' caches make reruns quick)."""
    npm, node, python = require_tool("npm"), require_tool("node"), require_tool("python3")
    out = tmp_path / "dist"
    script = str(REPO_ROOT / "scripts" / "dist-sdks.sh")
    printed = subprocess.run(["bash", script, str(out)], capture_output=True, text=True, check=True).stdout.split()
    [tgz] = [Path(p) for p in printed if p.endswith(".tgz")]
    [wheel] = [Path(p) for p in printed if p.endswith(".whl")]
    [sdist] = [Path(p) for p in printed if p.endswith(".tar.gz")]
    readme_start = "# pulumi-orderapi"

    with tarfile.open(tgz) as archive:
        names = set(archive.getnames())
        manifest = json.load(archive.extractfile("package/package.json"))  # type: ignore[arg-type]
    assert (manifest["main"], manifest["types"]) == ("index.js", "index.d.ts"), manifest
    assert {"package/index.js", "package/index.d.ts", "package/orderApiPlatform.js", "package/README.md"} <= names
    assert not any(n.endswith(".ts") and not n.endswith(".d.ts") for n in names), "TypeScript sources packed"

    with zipfile.ZipFile(wheel) as archive:
        [metadata] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode()
    assert "Description-Content-Type: text/markdown" in text and readme_start in text, text[:2000]
    with tarfile.open(sdist) as archive:
        [pkg_info] = [n for n in archive.getnames() if n.count("/") == 1 and n.endswith("/PKG-INFO")]
        assert readme_start in archive.extractfile(pkg_info).read().decode()  # type: ignore[union-attr]

    project = tmp_path / "node-project"
    project.mkdir()
    (project / "package.json").write_text('{"private": true}')
    run([npm, "install", "--no-audit", "--no-fund", "--prefer-offline", str(tgz)], project)
    check = "if (typeof require('@orderapi/pulumi-orderapi').OrderApiPlatform !== 'function') throw 1"
    run([node, "-e", check], project)

    venv = tmp_path / "venv"
    run([python, "-m", "venv", str(venv)], tmp_path)
    pip, venv_python = str(venv / "bin" / "pip"), str(venv / "bin" / "python")
    # The wheel with its requirements (pulumi from PyPI), then the sdist built and installed in its place.
    for install in (["-q", str(wheel)], ["-q", "--force-reinstall", "--no-deps", str(sdist)]):
        run([pip, "install", *install], tmp_path)
        run([venv_python, "-c", "from pulumi_orderapi import OrderApiPlatform"], tmp_path)


def run(argv: list[str], cwd: Path) -> None:
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)
    what = f"`{' '.join(argv)}` exited with {result.returncode}"
    assert result.returncode == 0, f"{what}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
