"""The auditor against a real moto (with the project's emulator patches), without pulumi or the provider: objects
made with boto3 play the platform's, a hand-written deployment plays the state. The auditor must find exactly the
unrecorded and the missing ones, ignore moto's defaults and what moto keeps listed after a delete, and list every
object left."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import harness

e2e = harness.e2e
MANAGED = [{"Key": "ManagedBy", "Value": "pulumi-orderapi"}]


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    server = e2e.MotoServer(e2e.moto_server_executable(), tmp_path_factory.mktemp("moto") / "moto.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def auditor(moto: Any) -> harness.Auditor:
    moto.reset()
    return harness.Auditor(moto.endpoint)


def resource(kind: str, id_: str, outputs: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": kind,
        "custom": True,
        "id": id_,
        "urn": f"urn:pulumi:chaos::p::orderapi:index:OrderApiPlatform${kind}::{id_}",
        "outputs": outputs or {},
    }


def test_a_fresh_emulator_holds_nothing_of_ours(auditor: harness.Auditor) -> None:
    """moto's default VPC, its subnets, gateway, main table and default group are not counted; every listing works."""
    live = auditor.live()
    assert auditor.problems == []
    assert {kind: [i.show() for i in items] for kind, items in live.items() if items} == {}
    assert set(live) == set(harness.KIND_TYPES)


def test_duplicates_missing_and_lingering_deleted_items(auditor: harness.Auditor, tmp_path: Path) -> None:
    ec2, ecs, sm = auditor.client("ec2"), auditor.client("ecs"), auditor.client("secretsmanager")
    tags = [{"ResourceType": "vpc", "Tags": [*MANAGED, {"Key": "Name", "Value": "vpc-chaos-cx1"}]}]
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=tags)["Vpc"]["VpcId"]
    table_tags = [{"ResourceType": "route-table", "Tags": [*MANAGED, {"Key": "orderapi:create-pending", "Value": "1"}]}]
    recorded_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    second_table = ec2.create_route_table(VpcId=vpc, TagSpecifications=table_tags)["RouteTable"]["RouteTableId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.0.0/20")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    ec2.delete_nat_gateway(NatGatewayId=nat)  # moto keeps it listed as `deleted`
    ecs.create_cluster(clusterName="ecs-chaos-cx1")
    ecs.create_cluster(clusterName="ecs-gone")
    ecs.delete_cluster(cluster="ecs-gone")  # INACTIVE
    master = sm.create_secret(Name="rds!cluster-1234", SecretString="x")["ARN"]
    sm.create_secret(Name="rds!cluster-leaked", SecretString="x")  # what moto leaks on a refused CreateDBCluster
    sm.create_secret(Name="secret-gone", SecretString="x")
    sm.delete_secret(SecretId="secret-gone")  # scheduled for deletion
    deployment = {
        "resources": [
            resource("orderapi:ec2:Vpc", vpc),
            resource("orderapi:ec2:RouteTable", recorded_table),
            resource("orderapi:ec2:Subnet", subnet),
            resource("orderapi:ec2:ElasticIp", allocation),
            resource("orderapi:ecs:Cluster", "ecs-chaos-cx1"),
            resource("orderapi:rds:Cluster", "aurora-chaos-cx1", {"masterUserSecretArn": master}),
            resource("orderapi:ssm:Parameter", "/param-chaos-cx1/DB_HOST"),
            {"type": "orderapi:index:OrderApiPlatform", "urn": "urn:pulumi:chaos::p::c::platform", "outputs": {}},
        ],
        "pending_operations": [{"type": "creating", "resource": {"urn": "urn:pulumi:chaos::p::x::nat-a"}}],
    }
    found = harness.audit(auditor, deployment)
    assert found.problems == []
    assert found.duplicates == {"ec2:route_table": [f"{second_table} in {vpc} [ManagedBy, create-pending]"]}
    assert found.missing == {
        "orderapi:ssm:Parameter": ["/param-chaos-cx1/DB_HOST id=/param-chaos-cx1/DB_HOST"],
        # the state records a cluster moto does not hold: RDS's master secret is still matched by its outputs
        "orderapi:rds:Cluster": ["aurora-chaos-cx1 id=aurora-chaos-cx1"],
    }
    assert found.pending_operations == ["creating nat-a"]
    assert [item.split(" -- ")[0] for item in found.artifacts["secretsmanager:secret"]] == ["rds!cluster-leaked"]
    assert "DUPLICATES (1" in found.report() and "MISSING (2" in found.report()

    left = harness.leftovers(auditor, {"resources": deployment["resources"][:1]})
    assert left["ec2:vpc"] == [f"{vpc} Name=vpc-chaos-cx1 [ManagedBy]"]
    assert sorted(left["ec2:route_table"]) == sorted(
        [f"{recorded_table} in {vpc}", f"{second_table} in {vpc} [ManagedBy, create-pending]"]
    )
    assert left["ecs:cluster"] == ["ecs-chaos-cx1"]
    assert "secretsmanager:secret" not in left
    assert sorted(item.split(" -- ")[0] for item in left[harness.ARTIFACTS_KEY]) == [
        "rds!cluster-1234",
        "rds!cluster-leaked",
    ]
    assert "ec2:nat_gateway" not in left, "a deleted NAT gateway counts as gone"
    assert left["(state)"] == [f"{vpc} (orderapi:ec2:Vpc)"]


def test_web_acl_association_ids(auditor: harness.Auditor) -> None:
    """Associations are found per load balancer and named as the WebAclAssociation kind's id."""
    ec2, elbv2, waf = auditor.client("ec2"), auditor.client("elbv2"), auditor.client("wafv2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"][:2]]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.8.{i * 16}.0/20", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for i, zone in enumerate(zones)
    ]
    lb = elbv2.create_load_balancer(Name="alb-chaos-cx1", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    visibility = {"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": "m"}
    acl = waf.create_web_acl(
        Name="waf-chaos-cx1", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility
    )["Summary"]["ARN"]
    waf.associate_web_acl(WebACLArn=acl, ResourceArn=lb)
    live = auditor.live()
    assert auditor.problems == []
    assert [sorted(i.ids) for i in live["wafv2:association"]] == [[f"{acl},{lb}"]]
    found = harness.audit(
        auditor,
        {
            "resources": [
                resource("orderapi:ec2:Vpc", vpc),
                *(resource("orderapi:ec2:Subnet", s) for s in subnets),
                resource("orderapi:elbv2:LoadBalancer", lb),
                resource("orderapi:wafv2:WebAcl", acl),
                resource("orderapi:wafv2:WebAclAssociation", f"{acl},{lb}"),
            ]
        },
    )
    assert (found.duplicates, found.missing) == ({}, {})


def test_s3_buckets_of_the_platform(auditor: harness.Auditor) -> None:
    """Buckets carrying the ownership tag are the platform's: an unrecorded one is a duplicate, the recorded one is
    matched by name; a bucket without the tag is not counted."""
    s3 = auditor.client("s3")
    for name in ("s3-alblogs-chaos-cx1", "s3-alblogs-chaos-dup", "someone-elses"):
        s3.create_bucket(Bucket=name)
    for name in ("s3-alblogs-chaos-cx1", "s3-alblogs-chaos-dup"):
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": MANAGED})
    live = auditor.live()
    assert auditor.problems == []
    assert sorted(i.label for i in live["s3:bucket"]) == ["s3-alblogs-chaos-cx1", "s3-alblogs-chaos-dup"]
    found = harness.audit(auditor, {"resources": [resource("orderapi:s3:Bucket", "s3-alblogs-chaos-cx1")]})
    assert found.problems == []
    assert found.duplicates == {"s3:bucket": ["s3-alblogs-chaos-dup [ManagedBy]"]}
    assert found.missing == {}
    gone = harness.audit(auditor, {"resources": [resource("orderapi:s3:Bucket", "s3-alblogs-chaos-gone")]})
    assert gone.missing == {"orderapi:s3:Bucket": ["s3-alblogs-chaos-gone id=s3-alblogs-chaos-gone"]}
    left = harness.leftovers(auditor, {"resources": []})
    assert sorted(left["s3:bucket"]) == ["s3-alblogs-chaos-cx1 [ManagedBy]", "s3-alblogs-chaos-dup [ManagedBy]"]
