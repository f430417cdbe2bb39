#!/usr/bin/env python3
"""Writes the golden states of this release: one recorded state per custom resource kind, taken from a deployed
stack (`pulumi stack export --show-secrets` on stdin), into provider/tests/golden/<token>.json.

Every later release must read these states, diff them against their own inputs with no changes, and delete them
(provider/tests/resources/golden.rs). Existing files are kept: a golden state is written once, by the release
that introduced the kind's current state shape, and never regenerated.

    pulumi stack export --show-secrets | python3 scripts/golden.py provider/tests/golden
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SECRET_SIG = "4dabf18193072939515e22adb298388d"
HIDDEN = ("__stateVersion",)


def main() -> int:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    deployment = json.load(sys.stdin)["deployment"]
    written = 0
    for res in deployment.get("resources", []):
        token: str = res.get("type", "")
        if not token.startswith("orderapi:") or token.startswith("orderapi:index:") or not res.get("custom"):
            continue
        path = out / (token.replace(":", "_") + ".json")
        if path.exists():
            continue
        outputs = {k: v for k, v in res.get("outputs", {}).items() if k not in HIDDEN}
        golden = {"type": token, "id": res["id"], "inputs": res.get("inputs", {}), "outputs": outputs}
        path.write_text(json.dumps(golden, indent=2, sort_keys=True) + "\n")
        written += 1
    print(f"wrote {written} golden state(s) into {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
