"""End to end: bad OrderApiPlatform input is refused before anything reaches AWS.

Each case deploys ``examples/yaml`` to a freshly reset moto with one bad config value. Both ``pulumi preview`` and
``pulumi up`` must fail and name the offending input, and boto3 must then see no VPC or subnet besides moto's own
default ones. (moto would accept some of these values itself -- it does not enforce every AWS naming rule -- so a
provider that skipped validation could pass through to moto unnoticed without the boto3 check.)
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import MotoServer, StackFactory, assert_no_leaks, example, list_all, tail

VALID_CONFIG = {"environment": "test", "environmentSuffix": "e2e1"}


def non_default_network(ec2: Any) -> dict[str, list[str]]:
    """VPCs and subnets other than the default ones moto creates in every region."""
    return {
        "vpcs": [v["VpcId"] for v in list_all(ec2, "describe_vpcs", "Vpcs") if not v.get("IsDefault")],
        "subnets": [s["SubnetId"] for s in list_all(ec2, "describe_subnets", "Subnets") if not s.get("DefaultForAz")],
    }


@pytest.mark.parametrize(
    ("key", "value"),
    [
        pytest.param("environmentSuffix", "Bad_Suffix", id="suffix-with-uppercase-and-underscore"),
        pytest.param("vpcCidr", "10.0.0.0/8", id="vpc-cidr-larger-than-16"),
    ],
)
def test_bad_input_is_refused_before_any_aws_call(
    moto: MotoServer, make_stack: StackFactory, key: str, value: str
) -> None:
    """Preview and up both exit non-zero naming ``key``; afterwards AWS holds nothing of ours."""
    moto.reset()
    stack = make_stack(example("yaml"), moto.endpoint, {**VALID_CONFIG, key: value})

    for command in (stack.preview(json=False, check=False), stack.up(check=False)):
        output, argv = command.stdout + command.stderr, " ".join(command.args)
        assert command.returncode != 0, f"`{argv}` accepted {key}={value}:\n{tail(output)}"
        assert key in output, f"`{argv}` failed without naming {key}:\n{tail(output)}"

    ec2 = moto.client("ec2")
    assert non_default_network(ec2) == {"vpcs": [], "subnets": []}
    assert_no_leaks(ec2)
