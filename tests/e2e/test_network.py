"""End to end: the network layer of ``orderapi:index:OrderApiPlatform``, deployed from ``examples/yaml`` to moto.

The tests share one stack and run in file order -- preview, up, what AWS holds, state, no-op up, refresh, drift repair,
destroy and leak check -- and each can also run alone (the fixtures deploy on demand). boto3 is the only judge of what
exists; the provider's own code is never used to check it.

What moto cannot show: NAT gateways are ``available`` at once and ``deleted`` at once, so the provider's waits
are not exercised; EIP addresses are fake; moto enforces no quotas (5 EIPs per region), no AZ capacity, and no rule
that a NAT gateway's subnet routes to an internet gateway; DNS attributes are stored, never acted on.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import pytest

from conftest import (
    EC2_LISTINGS,
    MotoServer,
    Stack,
    StackFactory,
    assert_no_leaks,
    example,
    is_managed,
    resource_type,
    tags_of,
)

ENVIRONMENT, SUFFIX = "test", "e2e1"
NAME = f"{ENVIRONMENT}-{SUFFIX}"
AZ_LETTERS = ("a", "b", "c")
VPC_CIDR = "10.0.0.0/16"
ANYWHERE = "0.0.0.0/0"

COMPONENT = "orderapi:index:OrderApiPlatform"
PROVIDER = "pulumi:providers:orderapi"
#: The custom resources of the network layer, by type. Other layers may add other types; these counts are exact.
NETWORK_CHILDREN = {
    "orderapi:ec2:Vpc": 1,
    "orderapi:ec2:Subnet": 6,
    "orderapi:ec2:InternetGateway": 1,
    "orderapi:ec2:ElasticIp": 3,
    "orderapi:ec2:NatGateway": 3,
    "orderapi:ec2:RouteTable": 4,
}
#: The Name tag of every network resource, by listing kind (see conftest.EC2_LISTINGS).
EXPECTED_NAMES = {
    "vpcs": [f"vpc-{NAME}"],
    "subnets": [f"subnet-{tier}-{az}-{NAME}" for tier in ("public", "private") for az in AZ_LETTERS],
    "internet_gateways": [f"igw-{NAME}"],
    "addresses": [f"eip-{az}-{NAME}" for az in AZ_LETTERS],
    "nat_gateways": [f"nat-{az}-{NAME}" for az in AZ_LETTERS],
    "route_tables": [f"rtb-public-{NAME}", *(f"rtb-private-{az}-{NAME}" for az in AZ_LETTERS)],
}
#: Tags every taggable resource carries (docs/architecture.md, "Crash safety"): ours plus the example's user tag.
EXPECTED_TAGS = {
    "ManagedBy": "pulumi-orderapi",
    "Environment": ENVIRONMENT,
    "EnvironmentSuffix": SUFFIX,
    "orderapi:platform": "platform",
    "Team": "orders",
}


@dataclass(frozen=True)
class Network:
    """What boto3 sees in moto: the live items of each listing kind that carry a Name tag, keyed by that tag."""

    by_kind: dict[str, dict[str, dict[str, Any]]]

    @classmethod
    def read(cls, ec2: Any) -> Network:
        by_kind = {}
        for kind, listing in EC2_LISTINGS.items():
            named: dict[str, dict[str, Any]] = {}
            for item in listing.live(ec2):
                name = tags_of(item).get("Name")
                if name is None:
                    continue
                assert name not in named, f"two {kind} are named {name}: {named[name]} and {item}"
                named[name] = item
            by_kind[kind] = named
        return cls(by_kind)

    def get(self, kind: str, name: str) -> dict[str, Any]:
        items = self.by_kind[kind]
        assert name in items, f"no {kind} named {name} in moto; named ones: {sorted(items)}"
        return items[name]

    def per_az(self, kind: str, prefix: str) -> list[dict[str, Any]]:
        """The items ``<prefix>-a-<env>-<suffix>``, ``<prefix>-b-…``, ``<prefix>-c-…``, in that order."""
        return [self.get(kind, f"{prefix}-{az}-{NAME}") for az in AZ_LETTERS]

    def vpc(self) -> dict[str, Any]:
        return self.get("vpcs", f"vpc-{NAME}")

    def public_subnets(self) -> list[dict[str, Any]]:
        return self.per_az("subnets", "subnet-public")

    def private_subnets(self) -> list[dict[str, Any]]:
        return self.per_az("subnets", "subnet-private")

    def nat_gateways(self) -> list[dict[str, Any]]:
        return self.per_az("nat_gateways", "nat")


def ids(items: list[dict[str, Any]], field: str) -> list[str]:
    return [item[field] for item in items]


def default_route(route_table: dict[str, Any]) -> dict[str, Any]:
    routes = [r for r in route_table.get("Routes", []) if r.get("DestinationCidrBlock") == ANYWHERE]
    assert len(routes) == 1, f"route table {route_table['RouteTableId']} has {len(routes)} routes to {ANYWHERE}"
    return routes[0]


def associated_subnets(route_table: dict[str, Any]) -> set[str]:
    return {a["SubnetId"] for a in route_table.get("Associations", []) if not a.get("Main") and a.get("SubnetId")}


def vpc_tags(ec2: Any, vpc_id: str) -> dict[str, str]:
    return tags_of(ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0])


@pytest.fixture(scope="module")
def ec2(moto: MotoServer) -> Any:
    return moto.client("ec2")


@pytest.fixture(scope="module")
def stack(moto: MotoServer, make_stack: StackFactory) -> Stack:
    # moto never runs ECS tasks: the service's deployment can never become steady there.
    config = {"environment": ENVIRONMENT, "environmentSuffix": SUFFIX, "waitForSteadyState": "false"}
    return make_stack(example("yaml"), moto.endpoint, config)


@pytest.fixture(scope="module")
def deployed(stack: Stack) -> dict[str, Any]:
    """Runs ``pulumi up`` once for the module and returns the stack outputs."""
    stack.up()
    return stack.outputs()


@pytest.fixture
def network(deployed: dict[str, Any], ec2: Any) -> Network:
    return Network.read(ec2)


def test_preview_plans_every_child_and_calls_no_aws(stack: Stack, ec2: Any) -> None:
    """Preview runs Construct and plans the component and all 18 network children as creates, with one provider.

    It also proves that preview reaches no AWS API that creates anything (DESIGN: never call AWS in preview).
    """
    steps = stack.preview().get("steps") or []
    by_type = Counter(resource_type(step["urn"]) for step in steps)

    components = [step for step in steps if resource_type(step["urn"]) == COMPONENT]
    assert len(components) == 1, f"expected one {COMPONENT} in the preview, got {by_type}"
    component_urn = components[0]["urn"]
    for type_token, count in {COMPONENT: 1, **NETWORK_CHILDREN}.items():
        assert by_type[type_token] == count, f"preview plans {by_type[type_token]} {type_token}, expected {count}"

    planned = [step for step in steps if resource_type(step["urn"]) in NETWORK_CHILDREN or step["urn"] == component_urn]
    assert {step["urn"]: step["op"] for step in planned if step["op"] != "create"} == {}
    for step in planned:
        if step["urn"] != component_urn:
            assert step["newState"].get("parent") == component_urn, f"{step['urn']} is not parented to the component"
    assert by_type[PROVIDER] <= 1, f"preview creates {by_type[PROVIDER]} {PROVIDER} providers"

    assert_no_leaks(ec2)


def test_vpc(network: Network, ec2: Any) -> None:
    """Exactly one VPC of ours, with the configured CIDR and DNS support and hostnames on."""
    vpc = network.vpc()
    assert vpc["CidrBlock"] == VPC_CIDR, f"VPC CIDR is {vpc['CidrBlock']}"
    for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
        value = ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=attribute)[key]["Value"]
        assert value is True, f"{attribute} of {vpc['VpcId']} is {value}"


def test_subnets(network: Network) -> None:
    """Three public subnets in 3 AZs, a private one beside each, disjoint CIDRs in the VPC; no subnet gives
    instances a public IP on launch (the hardening default: the ALB and the NAT gateways get theirs explicitly)."""
    vpc = network.vpc()
    public, private = network.public_subnets(), network.private_subnets()
    for subnet in public + private:
        assert subnet["VpcId"] == vpc["VpcId"], f"{subnet['SubnetId']} is not in {vpc['VpcId']}"
    for subnets, wanted in ((public, False), (private, False)):
        flags = {s["SubnetId"]: s["MapPublicIpOnLaunch"] for s in subnets}
        assert set(flags.values()) == {wanted}, f"MapPublicIpOnLaunch must be {wanted}: {flags}"

    zones = ids(public, "AvailabilityZone")
    assert len(set(zones)) == 3, f"public subnets share AZs: {zones}"
    assert ids(private, "AvailabilityZone") == zones, "private subnet <x> must be in the AZ of public subnet <x>"

    vpc_net = ipaddress.ip_network(vpc["CidrBlock"])
    nets = [ipaddress.ip_network(s["CidrBlock"]) for s in public + private]
    assert all(net.subnet_of(vpc_net) for net in nets), f"subnet CIDRs {nets} not all inside {vpc_net}"
    overlapping = [(a, b) for a, b in combinations(nets, 2) if a.overlaps(b)]
    assert not overlapping, f"overlapping subnet CIDRs: {overlapping}"


def test_internet_gateway(network: Network) -> None:
    """One internet gateway, attached to our VPC."""
    igw = network.get("internet_gateways", f"igw-{NAME}")
    attachments = [(a["VpcId"], a["State"]) for a in igw.get("Attachments", [])]
    assert attachments in ([(network.vpc()["VpcId"], "available")], [(network.vpc()["VpcId"], "attached")])


def test_nat_gateways_and_elastic_ips(network: Network) -> None:
    """One available NAT gateway per AZ in that AZ's public subnet, each on its own VPC Elastic IP of ours."""
    eips = network.per_az("addresses", "eip")
    assert ids(eips, "Domain") == ["vpc"] * 3, "EIPs must be VPC addresses"
    nats = network.nat_gateways()
    assert ids(nats, "State") == ["available"] * 3, "NAT gateways must be available once up returns"
    assert ids(nats, "SubnetId") == ids(network.public_subnets(), "SubnetId"), "nat-<x> belongs in public subnet <x>"
    allocations = [address["AllocationId"] for nat in nats for address in nat.get("NatGatewayAddresses", [])]
    assert sorted(allocations) == sorted(ids(eips, "AllocationId")), "each NAT gateway must use one of our EIPs"


def test_route_tables(network: Network) -> None:
    """Public subnets route to the internet gateway; each private subnet to the NAT gateway of its own AZ."""
    vpc_id = network.vpc()["VpcId"]
    igw_id = network.get("internet_gateways", f"igw-{NAME}")["InternetGatewayId"]

    public = network.get("route_tables", f"rtb-public-{NAME}")
    assert public["VpcId"] == vpc_id
    assert default_route(public).get("GatewayId") == igw_id, "the public table must route to the internet gateway"
    assert associated_subnets(public) == set(ids(network.public_subnets(), "SubnetId"))

    private = zip(
        AZ_LETTERS,
        network.per_az("route_tables", "rtb-private"),
        network.nat_gateways(),
        network.private_subnets(),
        strict=True,
    )
    for az, table, nat, subnet in private:
        assert table["VpcId"] == vpc_id
        assert default_route(table).get("NatGatewayId") == nat["NatGatewayId"], f"private-{az} must route to nat-{az}"
        assert associated_subnets(table) == {subnet["SubnetId"]}, f"rtb private-{az} must serve subnet private-{az}"


def test_every_resource_is_tagged_and_none_is_extra(network: Network, ec2: Any) -> None:
    """Every network resource carries the full tag set, and no kind holds a managed resource beyond the expected ones
    (a retried create that duplicated a resource would show here)."""
    for kind, names in EXPECTED_NAMES.items():
        for name in names:
            tags = tags_of(network.get(kind, name))
            wrong = {key: tags.get(key) for key, value in EXPECTED_TAGS.items() if tags.get(key) != value}
            assert not wrong, f"{kind} {name} has wrong or missing tags {wrong}; all its tags: {tags}"
        managed = sorted(tags_of(item).get("Name", "?") for item in EC2_LISTINGS[kind].live(ec2) if is_managed(item))
        assert managed == sorted(names), f"managed {kind} in moto: {managed}, expected {sorted(names)}"


def test_outputs_match_aws(deployed: dict[str, Any], network: Network) -> None:
    """The stack outputs are the ids boto3 sees, lists ordered by AZ a, b, c."""
    expected = {
        "vpcId": network.vpc()["VpcId"],
        "publicSubnetIds": ids(network.public_subnets(), "SubnetId"),
        "privateSubnetIds": ids(network.private_subnets(), "SubnetId"),
        "natGatewayIds": ids(network.nat_gateways(), "NatGatewayId"),
        "internetGatewayId": network.get("internet_gateways", f"igw-{NAME}")["InternetGatewayId"],
        "availabilityZones": ids(network.public_subnets(), "AvailabilityZone"),
    }
    assert {key: deployed.get(key) for key in expected} == expected


def test_state_records_children_under_the_component(deployed: dict[str, Any], stack: Stack) -> None:
    """In the checkpoint, every orderapi custom resource is a child of the one component and is served by an
    orderapi provider that is itself in the state."""
    resources = stack.resources()
    components = [r for r in resources if r["type"] == COMPONENT]
    assert len(components) == 1, f"state holds {len(components)} {COMPONENT}"
    component_urn = components[0]["urn"]
    providers = {f"{r['urn']}::{r['id']}" for r in resources if r["type"] == PROVIDER}

    children = [r for r in resources if r.get("custom") and r["type"].startswith("orderapi:")]
    by_type = Counter(r["type"] for r in children)
    assert {t: by_type[t] for t in NETWORK_CHILDREN} == NETWORK_CHILDREN
    for child in children:
        assert child.get("parent") == component_urn, f"{child['urn']} has parent {child.get('parent')}"
        assert child.get("provider") in providers, f"{child['urn']} has provider {child.get('provider')}"


def test_every_object_carries_the_identity_of_its_resource(deployed: dict[str, Any], stack: Stack, ec2: Any) -> None:
    """Each object the state records carries ``orderapi:urn``: the first 32 hex digits of SHA-256 of the URN it was
    created for (what a retried create looks for to adopt an interrupted create instead of duplicating it)."""
    id_field = {
        "vpcs": "VpcId",
        "subnets": "SubnetId",
        "internet_gateways": "InternetGatewayId",
        "addresses": "AllocationId",
        "nat_gateways": "NatGatewayId",
        "route_tables": "RouteTableId",
    }
    by_id = {item[field]: item for kind, field in id_field.items() for item in EC2_LISTINGS[kind].live(ec2)}
    checked = 0
    for r in stack.resources():
        if r.get("custom") and r["type"] in NETWORK_CHILDREN:
            item = by_id.get(r["id"])
            assert item is not None, f"{r['urn']}: {r['id']} is not in moto"
            expected = hashlib.sha256(r["urn"].encode()).hexdigest()[:32]
            assert tags_of(item).get("orderapi:urn") == expected, f"{r['urn']}: tags {tags_of(item)}"
            checked += 1
    assert checked == sum(NETWORK_CHILDREN.values())


def test_second_up_changes_nothing(deployed: dict[str, Any], stack: Stack) -> None:
    """Re-running the program against unchanged AWS plans no change (Diff is stable, no phantom updates)."""
    stack.up_expect_no_changes()


def test_refresh_finds_no_drift(deployed: dict[str, Any], stack: Stack) -> None:
    """Read returns what Create recorded: after a refresh, a preview still plans nothing."""
    stack.refresh()
    stack.preview(expect_no_changes=True)


def test_out_of_band_tag_change_is_reverted(deployed: dict[str, Any], stack: Stack, ec2: Any) -> None:
    """A tag changed behind Pulumi's back is seen by refresh and put back by up, in place (the VPC is not replaced)."""
    vpc_id = deployed["vpcId"]
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Team", "Value": "hacked"}])

    stack.refresh()
    assert vpc_tags(ec2, vpc_id)["Team"] == "hacked", "refresh must only read"
    stack.up()

    tags = vpc_tags(ec2, vpc_id)  # fails if the VPC was replaced: the old id would be gone
    assert {key: tags.get(key) for key in EXPECTED_TAGS} == EXPECTED_TAGS
    assert stack.outputs()["vpcId"] == vpc_id
    stack.up_expect_no_changes()


def test_destroy_leaves_nothing(deployed: dict[str, Any], stack: Stack, ec2: Any) -> None:
    """Destroy removes every resource: none of the deployed ids is live, nothing tagged ManagedBy remains (moto lists
    deleted NAT gateways as ``deleted``), and the state keeps no orderapi resource."""
    stack.destroy()

    deployed_ids = {
        "vpcs": [deployed["vpcId"]],
        "subnets": deployed["publicSubnetIds"] + deployed["privateSubnetIds"],
        "internet_gateways": [deployed["internetGatewayId"]],
        "nat_gateways": deployed["natGatewayIds"],
    }
    for kind, wanted in deployed_ids.items():
        listing = EC2_LISTINGS[kind]
        live = set(ids(listing.live(ec2), listing.id_field))
        assert not live.intersection(wanted), f"{kind} still live after destroy: {sorted(live.intersection(wanted))}"
    assert_no_leaks(ec2)
    assert [r["urn"] for r in stack.resources() if r["type"].startswith(("orderapi:", PROVIDER))] == []
