"""End to end: adding HTTPS to a running platform never leaves port 80 without a working path, and what
``pulumi preview`` announces for the change is what ``pulumi up`` does.

The program is ``tests/e2e/programs/platform-validation`` (every group of inputs from stack config). The platform is
deployed over plain HTTP, then given ``loadBalancer.certificateArn``:

1. A certificate ARN of the right form and region that ACM does not hold. AWS (and moto, which checks the ARN
   against its ACM) refuses the HTTPS listener, so ``up`` fails part-way. Port 80 must still serve the order API
   exactly as before: its default action is not a redirect (the redirect follows the HTTPS listener) and the
   production rule forwarding the API's paths to the blue target group is still on it.
2. A certificate ACM does hold (requested from the emulator's ACM). ``preview --json`` lists the steps; ``up
   --json`` runs them; both must list the same operation for every resource, and no IAM role is replaced. After
   it, 443 serves HTTPS with that certificate and port 80 redirects to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import (
    DEPLOY_TIMEOUT,
    REPO_ROOT,
    MotoServer,
    Stack,
    StackFactory,
    assert_platform_gone,
    parse_json,
    tail,
    write_config_file,
)

PROGRAM = REPO_ROOT / "tests" / "e2e" / "programs" / "platform-validation"
PROJECT = "orderapi-platform-validation"
SUFFIX = "lsn1"
#: Well formed and in the platform's region, but no such certificate exists in ACM.
MISSING_CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0b5e4cd6-7f11-4a4c-9d3e-2f1c8e7a9b10"
UNCHANGED = {"same", "read", "refresh"}
#: moto never runs ECS tasks: the service's deployment can never become steady there.
SERVICE = {"waitForSteadyState": False}


def run(stack: Stack, tmp_path: Path, endpoint: str, verb: list[str], config: dict[str, Any]) -> Any:
    config_file = write_config_file(
        tmp_path / f"{verb[0]}.yaml", PROJECT, endpoint, {"environmentSuffix": SUFFIX, "service": SERVICE, **config}
    )
    return stack.run([*verb, "--non-interactive", "--config-file", str(config_file)], timeout=DEPLOY_TIMEOUT)


def listeners(moto: MotoServer) -> dict[int, dict[str, Any]]:
    """The platform's listeners by port, each with its rules (default rule left out)."""
    elbv2 = moto.client("elbv2")
    [lb] = [b for b in elbv2.describe_load_balancers()["LoadBalancers"] if SUFFIX in b["LoadBalancerName"]]
    found = {}
    for listener in elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
        rules = elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
        listener["rules"] = [r for r in rules if not r.get("IsDefault")]
        found[listener["Port"]] = listener
    return found


def forwards_to_blue(listener: dict[str, Any], blue_arn: str) -> bool:
    """True when one of the listener's rules forwards to the blue target group (with weight)."""
    for rule in listener["rules"]:
        for action in rule["Actions"]:
            groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
            if any(g["TargetGroupArn"] == blue_arn and g.get("Weight", 1) > 0 for g in groups):
                return True
            if action.get("TargetGroupArn") == blue_arn:
                return True
    return False


#: The steps of one replacement, as one operation.
REPLACEMENT = {"create-replacement": "replace", "delete-replaced": "replace", "replace": "replace"}


def steps_by_urn(text: str) -> dict[str, str]:
    """The operation each changed resource gets: from ``preview --json`` (a digest with ``steps``) or ``up --json``
    (a stream of engine events, one per line)."""
    text = text.strip()
    if text.startswith("{") and "\n{" not in text:
        steps = [s for s in parse_json(text).get("steps") or []]
    else:
        events = [parse_json(line) for line in text.splitlines() if line.startswith("{")]
        steps = [e["resourcePreEvent"]["metadata"] for e in events if "resourcePreEvent" in e]
    ops = {}
    for step in steps:
        if step.get("op") not in UNCHANGED:
            ops[step["urn"]] = REPLACEMENT.get(step["op"], step["op"])
    return ops


def test_adding_https_keeps_port_80_serving_and_preview_matches_up(
    moto: MotoServer, make_stack: StackFactory, tmp_path: Path
) -> None:
    moto.reset()
    stack = make_stack(PROGRAM, moto.endpoint)
    result = run(stack, tmp_path, moto.endpoint, ["up", "--yes", "--skip-preview"], {})
    assert result.returncode == 0, tail(result.stdout + result.stderr)
    blue_arn = next(
        g["TargetGroupArn"]
        for g in moto.client("elbv2").describe_target_groups()["TargetGroups"]
        if g["TargetGroupName"] == f"tg-blue-test-{SUFFIX}"
    )
    before = listeners(moto)
    assert sorted(before) == [80]
    assert before[80]["DefaultActions"][0]["Type"] != "redirect"
    assert forwards_to_blue(before[80], blue_arn), before[80]["rules"]

    try:
        # 1. The HTTPS listener's create fails: port 80 keeps serving.
        config = {"loadBalancer": {"certificateArn": MISSING_CERTIFICATE}}
        result = run(stack, tmp_path, moto.endpoint, ["up", "--yes", "--skip-preview"], config)
        output = result.stdout + result.stderr
        assert result.returncode != 0, f"up succeeded with a certificate ACM does not hold:\n{tail(output)}"
        assert "listener" in output.lower() and "certificate" in output.lower(), tail(output)
        after_failure = listeners(moto)
        assert sorted(after_failure) == [80], "an HTTPS listener exists although its create failed"
        default = after_failure[80]["DefaultActions"][0]
        assert default["Type"] != "redirect", f"port 80 redirects to an HTTPS listener that does not exist: {default}"
        assert forwards_to_blue(after_failure[80], blue_arn), (
            f"port 80 lost the rule forwarding the order API: {after_failure[80]['rules']}"
        )

        # 2. With a certificate ACM holds: preview's steps are up's steps.
        certificate = moto.client("acm").request_certificate(DomainName="orders.example.com")["CertificateArn"]
        config = {"loadBalancer": {"certificateArn": certificate}}
        preview = run(stack, tmp_path, moto.endpoint, ["preview", "--json"], config)
        assert preview.returncode == 0, tail(preview.stdout + preview.stderr)
        planned = steps_by_urn(preview.stdout)
        up = run(stack, tmp_path, moto.endpoint, ["up", "--yes", "--skip-preview", "--json"], config)
        assert up.returncode == 0, tail(up.stdout + up.stderr)
        done = steps_by_urn(up.stdout)
        assert planned, "the certificate change planned no step"
        differences = {
            urn.rsplit("::", 1)[-1]: (planned.get(urn), done.get(urn))
            for urn in planned.keys() | done.keys()
            if planned.get(urn) != done.get(urn)
        }
        assert not differences, f"preview (left) and up (right) disagree: {differences}"
        replaced_roles = [u for u, op in planned.items() if "iam:Role" in u and op != "update"]
        assert not replaced_roles, f"the certificate change replaces IAM roles: {replaced_roles}"

        served = listeners(moto)
        assert sorted(served) == [80, 443]
        assert served[443]["Protocol"] == "HTTPS"
        assert [c["CertificateArn"] for c in served[443]["Certificates"]] == [certificate]
        assert forwards_to_blue(served[443], blue_arn), served[443]["rules"]
        redirect = served[80]["DefaultActions"][0]
        assert redirect["Type"] == "redirect", redirect
        assert redirect["RedirectConfig"]["Port"] == "443" and redirect["RedirectConfig"]["Protocol"] == "HTTPS"
    finally:
        result = run(stack, tmp_path, moto.endpoint, ["destroy", "--yes", "--skip-preview"], {})
        assert result.returncode == 0, tail(result.stdout + result.stderr)
    assert_platform_gone(moto, SUFFIX)
