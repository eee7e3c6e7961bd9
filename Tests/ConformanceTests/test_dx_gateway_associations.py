"""Gateway associations of one account (SPEC 7-9, reference §3.4 and §4) through boto3: by `gatewayId` and by the
legacy `virtualGatewayId` Ansible sends, `associating` for the 2 s default and then `associated`, every rule of
reference §3.4 with the service's texts, what EC2 makes checkable, Describe's filters and its invalid-format text,
Update, Delete by ID and by the pair, `disassociating` then gone, a gateway deleted with associations left, the EC2
attachment of a transit gateway association, DescribeVirtualGateways and `--ec2 external`. A refused request
changes nothing."""

from __future__ import annotations

import re

import pytest

import dxhelpers
from dxhelpers import expect_error, make_client, random_account, unique_name, wait_until

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
MISSING = "00000000-0000-4000-8000-000000000000"


class World:
    """One account's Direct Connect and EC2 clients on a server."""

    def __init__(self, server, account=None, region="us-east-1"):
        self.account = account or random_account()
        self.region = region
        self.dx = make_client(server.url, account=self.account, region=region)
        self.ec2 = dxhelpers._client("ec2", server.url, self.account, region, dxhelpers.boto_config())

    def gateway(self, asn=64600) -> str:
        return self.dx.create_direct_connect_gateway(directConnectGatewayName=unique_name("gw"),
                                                     amazonSideAsn=asn)["directConnectGateway"][
            "directConnectGatewayId"]

    def vgw(self, cidr="10.0.0.0/16", attached=True) -> str:
        vgw = self.ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
        if attached:
            vpc = self.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
            self.ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
        return vgw

    def tgw(self, asn=64512) -> str:
        return self.ec2.create_transit_gateway(Options={"AmazonSideAsn": asn})["TransitGateway"]["TransitGatewayId"]

    def associate(self, gateway, target, prefixes=None, legacy=False) -> dict:
        kwargs = {"virtualGatewayId" if legacy else "gatewayId": target}
        if prefixes is not None:
            kwargs["addAllowedPrefixesToDirectConnectGateway"] = [{"cidr": cidr} for cidr in prefixes]
        return self.dx.create_direct_connect_gateway_association(directConnectGatewayId=gateway, **kwargs)[
            "directConnectGatewayAssociation"]

    def associations(self, **kwargs) -> list[dict]:
        return self.dx.describe_direct_connect_gateway_associations(**kwargs)["directConnectGatewayAssociations"]

    def held(self, gateway) -> dict:
        """What a refusal must leave as it was: the gateway's associations and the account's EC2 attachments."""
        return {"associations": self.associations(directConnectGatewayId=gateway),
                "attachments": self.ec2.describe_transit_gateway_attachments()["TransitGatewayAttachments"]}

    def refused(self, gateway, call, contains):
        before = self.held(gateway)
        error = expect_error(call, contains=contains)
        assert self.held(gateway) == before
        return error


def state_of(world, association_id):
    (association,) = world.associations(associationId=association_id)
    return association["associationState"]


def test_both_members_associate_and_the_association_settles_in_two_seconds(server):
    w = World(server)
    gateway = w.gateway()
    vgw, other = w.vgw("10.8.0.0/16"), w.vgw("10.9.0.0/16")
    created = w.associate(gateway, vgw)
    assert UUID.match(created["associationId"])
    assert created == {
        "directConnectGatewayId": gateway,
        "directConnectGatewayOwnerAccount": w.account,
        "associationState": "associating",
        "associatedGateway": {"id": vgw, "type": "virtualPrivateGateway", "ownerAccount": w.account,
                              "region": "us-east-1"},
        "associationId": created["associationId"],
        # No prefixes given: the VPC's block.
        "allowedPrefixesToDirectConnectGateway": [{"cidr": "10.8.0.0/16"}],
        "virtualGatewayId": vgw,
        "virtualGatewayRegion": "us-east-1",
        "virtualGatewayOwnerAccount": w.account,
    }
    legacy = w.associate(gateway, other, prefixes=["192.168.0.0/24"], legacy=True)
    assert legacy["associatedGateway"]["id"] == other
    assert legacy["allowedPrefixesToDirectConnectGateway"] == [{"cidr": "192.168.0.0/24"}]
    assert state_of(w, created["associationId"]) == "associating"
    wait_until(lambda: state_of(w, created["associationId"]) == "associated", timeout=5,
               description="the association to settle")
    # Global: every region of the account sees it; another account does not.
    assert len(World(server, w.account, "eu-west-1").associations(directConnectGatewayId=gateway)) == 2
    assert World(server).associations(associationId=created["associationId"]) == []


def test_what_ec2_makes_checkable_is_checked(server):
    w = World(server)
    gateway = w.gateway(asn=64512)
    detached = w.vgw(attached=False)
    w.refused(gateway, lambda: w.associate(gateway, detached), [detached, "is not attached to a VPC"])
    w.refused(gateway, lambda: w.associate(gateway, "vgw-12345678"), ["The VirtualGateway vgw-12345678 does not exist."])
    w.refused(gateway, lambda: w.associate(gateway, "tgw-12345678", ["10.0.0.0/8"]),
              ["The TransitGateway tgw-12345678 does not exist."])
    same_asn = w.tgw(asn=64512)
    w.refused(gateway, lambda: w.associate(gateway, same_asn, ["10.0.0.0/8"]), [same_asn, "must differ"])
    w.refused(gateway, lambda: w.associate(gateway, "abc"), ["abc", "has an invalid format"])
    w.refused(gateway, lambda: w.dx.create_direct_connect_gateway_association(
        directConnectGatewayId=gateway, gatewayId="vgw-12345678", virtualGatewayId="vgw-87654321"), ["two gateways"])
    vgw = w.vgw()
    expect_error(lambda: w.associate(MISSING, vgw), contains=[MISSING, "does not exist"])
    elsewhere = World(server, w.account, "us-west-2").vgw()
    w.refused(gateway, lambda: w.associate(gateway, elsewhere), [elsewhere, "does not exist"])


def test_a_gateway_belongs_to_one_direct_connect_gateway_and_kinds_never_mix(server):
    w = World(server)
    first, second = w.gateway(), w.gateway()
    vgw = w.vgw()
    w.associate(first, vgw)
    w.refused(first, lambda: w.associate(first, vgw), [vgw, "is already associated"])
    w.refused(second, lambda: w.associate(second, vgw), [vgw, "already associated with another"])
    tgw = w.tgw()
    w.refused(first, lambda: w.associate(first, tgw, ["10.0.0.0/8"]), [first, "at once"])


def test_transit_gateway_prefixes_follow_the_rules(server):
    w = World(server)
    gateway = w.gateway()
    tgw, other = w.tgw(), w.tgw()
    w.refused(gateway, lambda: w.associate(gateway, tgw), ["Allowed prefixes are required"])
    w.refused(gateway, lambda: w.associate(gateway, tgw, ["2001:db8::/65"]), ["/64 or shorter"])
    w.refused(gateway, lambda: w.associate(gateway, tgw, ["10.0.0.0/33"]), ["not a valid CIDR block"])
    many = [f"10.{n // 256}.{n % 256}.0/24" for n in range(201)]
    w.refused(gateway, lambda: w.associate(gateway, tgw, many), ["200"])
    w.associate(gateway, tgw, ["10.0.0.0/16", "2001:db8::/56"])
    w.refused(gateway, lambda: w.associate(gateway, other, ["10.0.128.0/17"]), ["overlaps", "10.0.0.0/16"])
    w.associate(gateway, other, ["10.1.0.0/16", "2001:db8:1::/56"])


def test_describe_needs_a_filter_names_a_bad_id_and_pages(server):
    w = World(server)
    expect_error(lambda: w.associations(), contains=["You must specify one of"])
    error = expect_error(lambda: w.associations(associationId=""))
    assert dxhelpers.error_message(error) == "Association ID  has an invalid format."
    error = expect_error(lambda: w.associations(associationId="nope"))
    assert dxhelpers.error_message(error) == "Association ID nope has an invalid format."
    assert w.associations(associationId=MISSING) == []
    gateway = w.gateway()
    made = [w.associate(gateway, w.vgw(f"10.{n}.0.0/16"))["associationId"] for n in range(3)]
    tgw_gateway, tgw = w.gateway(), w.tgw()
    transit = w.associate(tgw_gateway, tgw, ["172.16.0.0/12"])["associationId"]
    assert [a["associationId"] for a in w.associations(virtualGatewayId=tgw)] == [transit]
    assert [a["associationId"] for a in w.associations(associatedGatewayId=tgw)] == [transit]
    pages, token = [], None
    while True:
        page = w.dx.describe_direct_connect_gateway_associations(
            directConnectGatewayId=gateway, maxResults=2, **({"nextToken": token} if token else {}))
        pages.append([a["associationId"] for a in page["directConnectGatewayAssociations"]])
        token = page.get("nextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [2, 1]
    assert sorted(sum(pages, [])) == sorted(made)


def test_update_merges_prefixes_and_reads_updating_until_it_settles(server):
    w = World(server)
    gateway = w.gateway()
    association = w.associate(gateway, w.vgw(), prefixes=["10.0.0.0/16", "10.1.0.0/16"])["associationId"]
    updated = w.dx.update_direct_connect_gateway_association(
        associationId=association,
        addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.2.0.0/16"}],
        removeAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.0.0.0/16"}, {"cidr": "10.9.0.0/16"}],
    )["directConnectGatewayAssociation"]
    # Updated while still associating: it reads associating until the first settle time has passed.
    assert updated["associationState"] in ("associating", "updating")
    assert updated["allowedPrefixesToDirectConnectGateway"] == [{"cidr": "10.1.0.0/16"}, {"cidr": "10.2.0.0/16"}]
    wait_until(lambda: state_of(w, association) == "associated", timeout=5, description="the update to settle")
    again = w.dx.update_direct_connect_gateway_association(
        associationId=association, addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.3.0.0/16"}])[
        "directConnectGatewayAssociation"]
    assert again["associationState"] == "updating"
    expect_error(lambda: w.dx.update_direct_connect_gateway_association(associationId=MISSING),
                 contains=[MISSING, "does not exist"])


def test_delete_by_id_or_pair_is_disassociating_then_gone(server):
    w = World(server)
    gateway = w.gateway()
    vgw, other = w.vgw("10.0.0.0/16"), w.vgw("10.1.0.0/16")
    first = w.associate(gateway, vgw)["associationId"]
    w.associate(gateway, other)
    by_id = w.dx.delete_direct_connect_gateway_association(associationId=first)["directConnectGatewayAssociation"]
    assert by_id["associationState"] == "disassociating"
    by_pair = w.dx.delete_direct_connect_gateway_association(directConnectGatewayId=gateway, virtualGatewayId=other)[
        "directConnectGatewayAssociation"]
    assert by_pair["associatedGateway"]["id"] == other and by_pair["associationState"] == "disassociating"
    assert [a["associationState"] for a in w.associations(directConnectGatewayId=gateway)] == ["disassociating"] * 2
    w.refused(gateway, lambda: w.dx.delete_direct_connect_gateway_association(associationId=first),
              [first, "already being disassociated"])
    # Never shown as disassociated: listed disassociating, then gone.
    wait_until(lambda: w.associations(directConnectGatewayId=gateway) == [], timeout=5,
               description="the associations to go")
    expect_error(lambda: w.dx.delete_direct_connect_gateway_association(associationId=first),
                 contains=[first, "does not exist"])
    expect_error(lambda: w.dx.delete_direct_connect_gateway_association(directConnectGatewayId=gateway),
                 contains=["You must specify an associationId"])
    w.associate(gateway, vgw)


@pytest.mark.slow
def test_a_gateway_deleted_with_associations_left_reverts_with_a_state_change_error(server_factory):
    server = server_factory.start(extra_args=("--settle-time-gateway", "1", "--settle-time-association", "0"))
    w = World(server)
    gateway = w.gateway()
    association = w.associate(gateway, w.vgw())["associationId"]
    answer = w.dx.delete_direct_connect_gateway(directConnectGatewayId=gateway)["directConnectGateway"]
    assert answer["directConnectGatewayState"] == "deleting"

    def read():
        (found,) = w.dx.describe_direct_connect_gateways(directConnectGatewayId=gateway)["directConnectGateways"]
        return found

    assert read()["directConnectGatewayState"] == "deleting"
    reverted = wait_until(lambda: (lambda g: g if g["directConnectGatewayState"] == "available" else None)(read()),
                          timeout=5, description="the deletion to revert")
    assert association in reverted["stateChangeError"]
    w.dx.delete_direct_connect_gateway_association(associationId=association)
    w.dx.delete_direct_connect_gateway(directConnectGatewayId=gateway)
    wait_until(lambda: w.dx.describe_direct_connect_gateways(directConnectGatewayId=gateway)[
        "directConnectGateways"] == [], timeout=5, description="the gateway to go")


def test_a_transit_gateway_association_makes_the_attachment_terraform_reads(server):
    w = World(server)
    gateway, tgw = w.gateway(), w.tgw()
    association = w.associate(gateway, tgw, ["10.0.0.0/8"])
    assert association["associatedGateway"]["type"] == "transitGateway"
    assert "virtualGatewayId" not in association
    filters = [{"Name": "resource-type", "Values": ["direct-connect-gateway"]},
               {"Name": "resource-id", "Values": [gateway]}, {"Name": "transit-gateway-id", "Values": [tgw]}]
    (attachment,) = w.ec2.describe_transit_gateway_attachments(Filters=filters)["TransitGatewayAttachments"]
    assert re.match(r"^tgw-attach-[0-9a-f]{17}$", attachment["TransitGatewayAttachmentId"])
    assert (attachment["ResourceType"], attachment["ResourceId"], attachment["State"]) == (
        "direct-connect-gateway", gateway, "pending")
    wait_until(lambda: w.ec2.describe_transit_gateway_attachments(Filters=filters)["TransitGatewayAttachments"][0][
        "State"] == "available", timeout=5, description="the attachment to be available")
    expect_error(lambda: w.ec2.delete_transit_gateway(TransitGatewayId=tgw), code="IncorrectState",
                 contains=[attachment["TransitGatewayAttachmentId"]])
    w.dx.delete_direct_connect_gateway_association(associationId=association["associationId"])
    wait_until(lambda: w.ec2.describe_transit_gateway_attachments(Filters=filters)["TransitGatewayAttachments"] == [],
               timeout=5, description="the attachment to go")
    w.ec2.delete_transit_gateway(TransitGatewayId=tgw)


def test_describe_virtual_gateways_lists_the_callers_of_the_region(server):
    w = World(server)
    made = {w.vgw("10.0.0.0/16"), w.vgw(attached=False)}
    listed = w.dx.describe_virtual_gateways()["virtualGateways"]
    assert {g["virtualGatewayId"] for g in listed} == made
    assert {g["virtualGatewayState"] for g in listed} == {"available"}
    assert World(server, w.account, "eu-west-1").dx.describe_virtual_gateways()["virtualGateways"] == []
    assert World(server).dx.describe_virtual_gateways()["virtualGateways"] == []


@pytest.mark.slow
def test_with_external_ec2_a_well_formed_id_is_taken(server_factory):
    server = server_factory.start(extra_args=("--ec2", "external"))
    w = World(server)
    gateway = w.gateway()
    created = w.associate(gateway, "vgw-0123456789abcdef0")
    assert created["allowedPrefixesToDirectConnectGateway"] == []
    assert w.dx.describe_virtual_gateways()["virtualGateways"] == [
        {"virtualGatewayId": "vgw-0123456789abcdef0", "virtualGatewayState": "available"}]
    transit = w.gateway()
    expect_error(lambda: w.associate(transit, "tgw-0123456789abcdef0"), contains=["Allowed prefixes are required"])
    w.associate(transit, "tgw-0123456789abcdef0", ["10.0.0.0/8"])
    assert w.ec2.describe_transit_gateway_attachments()["TransitGatewayAttachments"] == []
    expect_error(lambda: w.associate(gateway, "vgw-xyz"), contains=["has an invalid format"])


def test_an_unknown_ec2_mode_stops_the_start(dxlocal_bin):
    import subprocess

    result = subprocess.run([str(dxlocal_bin), "serve", "--in-memory", "--port", "0", "--ec2", "elsewhere"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "--ec2 must be local or external" in result.stderr, result.stderr


def test_a_gateway_being_deleted_takes_no_association_name_or_accepted_proposal(server_factory):
    """A deletion refused for the associations left reads `deleting` until it reverts: meanwhile the gateway takes
    no new association, name or accepted proposal (as it takes no new interface); and a proposal for an association
    that is `disassociating` is not accepted into it (SPEC 8: it changes in any state but that one)."""
    clock_server = server_factory.start(extra_args=("--clock-control", "--settle-time-gateway", "10"))
    owner, proposer = World(clock_server), World(clock_server)
    gateway = owner.gateway()
    owner.associate(gateway, owner.vgw())
    dxhelpers.advance_clock(clock_server, 3)
    assert owner.dx.delete_direct_connect_gateway(directConnectGatewayId=gateway)["directConnectGateway"][
        "directConnectGatewayState"] == "deleting"
    owner.refused(gateway, lambda: owner.associate(gateway, owner.vgw(cidr="10.1.0.0/16")), ["is being deleted"])
    expect_error(lambda: owner.dx.update_direct_connect_gateway(directConnectGatewayId=gateway,
                                                                newDirectConnectGatewayName="renamed"),
                 contains=["is being deleted"])
    proposed = proposer.dx.create_direct_connect_gateway_association_proposal(
        directConnectGatewayId=gateway, directConnectGatewayOwnerAccount=owner.account,
        gatewayId=proposer.vgw())["directConnectGatewayAssociationProposal"]["proposalId"]
    owner.refused(gateway, lambda: owner.dx.accept_direct_connect_gateway_association_proposal(
        directConnectGatewayId=gateway, proposalId=proposed, associatedGatewayOwnerAccount=proposer.account),
        ["is being deleted"])
    dxhelpers.advance_clock(clock_server, 3600)
    (shown,) = owner.dx.describe_direct_connect_gateways(directConnectGatewayId=gateway)["directConnectGateways"]
    assert shown["directConnectGatewayState"] == "available" and "renamed" not in shown["directConnectGatewayName"]

    # The proposer's association, accepted, then deleted: a second proposal for it is refused while it goes.
    vgw = proposer.vgw(cidr="10.2.0.0/16")

    def propose(prefix):
        return proposer.dx.create_direct_connect_gateway_association_proposal(
            directConnectGatewayId=gateway, directConnectGatewayOwnerAccount=owner.account, gatewayId=vgw,
            addAllowedPrefixesToDirectConnectGateway=[{"cidr": prefix}])["directConnectGatewayAssociationProposal"][
            "proposalId"]

    association = owner.dx.accept_direct_connect_gateway_association_proposal(
        directConnectGatewayId=gateway, proposalId=propose("10.2.0.0/16"),
        associatedGatewayOwnerAccount=proposer.account)["directConnectGatewayAssociation"]["associationId"]
    dxhelpers.advance_clock(clock_server, 3)
    second = propose("10.3.0.0/16")
    owner.dx.delete_direct_connect_gateway_association(associationId=association)
    owner.refused(gateway, lambda: owner.dx.accept_direct_connect_gateway_association_proposal(
        directConnectGatewayId=gateway, proposalId=second, associatedGatewayOwnerAccount=proposer.account),
        [f"Association {association} is being disassociated"])
    # Proposed while that association goes: a proposal for the association that may follow it (our choice), with
    # the gateway's own prefixes and none existing; accepted once the old one is gone, it makes a new one.
    third = proposer.dx.create_direct_connect_gateway_association_proposal(
        directConnectGatewayId=gateway, directConnectGatewayOwnerAccount=owner.account, gatewayId=vgw)[
        "directConnectGatewayAssociationProposal"]
    assert "existingAllowedPrefixesToDirectConnectGateway" not in third
    assert third["requestedAllowedPrefixesToDirectConnectGateway"] == [{"cidr": "10.2.0.0/16"}]
    dxhelpers.advance_clock(clock_server, 3)
    made = owner.dx.accept_direct_connect_gateway_association_proposal(
        directConnectGatewayId=gateway, proposalId=third["proposalId"],
        associatedGatewayOwnerAccount=proposer.account)["directConnectGatewayAssociation"]
    assert made["associationId"] != association
    assert made["allowedPrefixesToDirectConnectGateway"] == [{"cidr": "10.2.0.0/16"}]
