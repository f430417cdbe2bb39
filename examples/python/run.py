"""Deploys this example (``__main__.py``, unchanged) through Pulumi's Automation API as an *inline* program: the
Python runtime runs in this process and the CLI is started as ``pulumi up --client=...``, so no
``pulumi-language-python`` host is needed. The end-to-end tests (tests/e2e/test_language_python.py) run it; so can
you, with ``pulumi_orderapi`` installed (``pip install dist/pulumi_orderapi-*.whl``).

    python run.py up|destroy

Environment: ``ORDERAPI_E2E_WORK_DIR`` (the project directory the CLI runs in), ``ORDERAPI_E2E_STACK``,
``ORDERAPI_E2E_CONFIG`` (JSON ``{"key": {"value": "...", "secret": false}}``, e.g. ``orderapi:endpoint``),
``ORDERAPI_E2E_RESULT`` (where the JSON result goes: ``{"outputs": {...}, "changes": {"create": 61}}``), plus the
CLI's own (``PULUMI_BACKEND_URL``, ``PULUMI_CONFIG_PASSPHRASE``, ``PULUMI_HOME``). Progress goes to stderr.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path
from typing import Any

from pulumi import automation as auto

HERE = Path(__file__).resolve().parent
PROJECT = "orderapi-python"  # Pulumi.yaml's name


def program() -> None:
    runpy.run_path(str(HERE / "__main__.py"), run_name="__main__")


def required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        sys.exit(f"run.py: {name} is not set")
    return value


def main(action: str) -> None:
    stack = auto.create_or_select_stack(
        stack_name=required("ORDERAPI_E2E_STACK"),
        project_name=PROJECT,
        program=program,
        opts=auto.LocalWorkspaceOptions(
            work_dir=required("ORDERAPI_E2E_WORK_DIR"),
            project_settings=auto.ProjectSettings(name=PROJECT, runtime="python"),
        ),
    )
    config = json.loads(required("ORDERAPI_E2E_CONFIG"))
    stack.set_all_config({k: auto.ConfigValue(value=v["value"], secret=v["secret"]) for k, v in config.items()})

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    result: dict[str, Any]
    if action == "up":
        up = stack.up(on_output=log)
        result = {
            "outputs": {k: v.value for k, v in up.outputs.items()},
            "changes": up.summary.resource_changes or {},
        }
    elif action == "destroy":
        destroyed = stack.destroy(on_output=log)
        result = {"changes": destroyed.summary.resource_changes or {}}
    else:
        sys.exit(f"run.py: unknown action {action!r} (up, destroy)")
    Path(required("ORDERAPI_E2E_RESULT")).write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "up")
