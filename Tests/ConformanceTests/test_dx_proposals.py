"""Association proposals across accounts (SPEC 7, reference §3.5 and §4): the owner of a VPN or transit gateway
proposes, the owner of the Direct Connect gateway accepts in the gateway's region; both see the proposal and the
association it makes, nobody else does; the service's texts (`has been accepted!`, `is not found`); through boto3
with two accounts' keys on one endpoint, and through the AWS CLI."""

from __future__ import annotations

import json
import re

import pytest

import dxhelpers
from dxhelpers import expect_error, make_client, random_account, run_service_cli, unique_name

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
MISSING = "00000000-0000-4000-8000-000000000000"


def ec2_client(url, account, region="us-east-1"):
    return dxhelpers._client("ec2", url, account, region, dxhelpers.boto_config())


def attached_vgw(url, account, cidr="10.40.0.0/16", region="us-east-1") -> str:
    ec2 = ec2_client(url, account, region)
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
    return vgw


class Two:
    """A Direct Connect gateway of `owner`, an attached VPN gateway of `proposer`, and their clients."""

    def __init__(self, server):
        self.owner, self.proposer = random_account(), random_account()
        self.dx_owner = make_client(server.url, account=self.owner)
        self.dx_proposer = make_client(server.url, account=self.proposer)
        self.gateway = self.dx_owner.create_direct_connect_gateway(
            directConnectGatewayName=unique_name("shared"), amazonSideAsn=64800)["directConnectGateway"][
            "directConnectGatewayId"]
        self.vgw = attached_vgw(server.url, self.proposer)

    def propose(self, **extra) -> dict:
        return self.dx_proposer.create_direct_connect_gateway_association_proposal(
            directConnectGatewayId=self.gateway, directConnectGatewayOwnerAccount=self.owner,
            gatewayId=extra.pop("gatewayId", self.vgw), **extra)["directConnectGatewayAssociationProposal"]

    def accept(self, proposal_id, client=None, proposer=None, **extra) -> dict:
        return (client or self.dx_owner).accept_direct_connect_gateway_association_proposal(
            directConnectGatewayId=self.gateway, proposalId=proposal_id,
            associatedGatewayOwnerAccount=proposer or self.proposer, **extra)["directConnectGatewayAssociation"]


def proposals(client, **kwargs) -> list[dict]:
    return client.describe_direct_connect_gateway_association_proposals(**kwargs)[
        "directConnectGatewayAssociationProposals"]


def associations(client, **kwargs) -> list[dict]:
    return client.describe_direct_connect_gateway_associations(**kwargs)["directConnectGatewayAssociations"]


def test_the_two_account_flow_through_boto3(server):
    two = Two(server)
    proposal = two.propose()
    assert UUID.match(proposal["proposalId"])
    assert proposal == {
        "proposalId": proposal["proposalId"],
        "directConnectGatewayId": two.gateway,
        "directConnectGatewayOwnerAccount": two.owner,
        "proposalState": "requested",
        "associatedGateway": {"id": two.vgw, "type": "virtualPrivateGateway", "ownerAccount": two.proposer,
                              "region": "us-east-1"},
        "requestedAllowedPrefixesToDirectConnectGateway": [{"cidr": "10.40.0.0/16"}],
    }
    assert proposals(two.dx_owner) == [proposal]
    assert proposals(two.dx_proposer, proposalId=proposal["proposalId"]) == [proposal]
    stranger = make_client(server.url, account=random_account())
    assert proposals(stranger) == []

    association = two.accept(proposal["proposalId"], overrideAllowedPrefixesToDirectConnectGateway=[
        {"cidr": "10.40.0.0/24"}])
    assert association["associationState"] == "associating"
    assert association["directConnectGatewayOwnerAccount"] == two.owner
    assert association["associatedGateway"] == {"id": two.vgw, "type": "virtualPrivateGateway",
                                                "ownerAccount": two.proposer, "region": "us-east-1"}
    assert association["virtualGatewayOwnerAccount"] == two.proposer
    assert association["allowedPrefixesToDirectConnectGateway"] == [{"cidr": "10.40.0.0/24"}]
    # Terraform reads the association back with the proposer's keys.
    assert associations(two.dx_proposer, associatedGatewayId=two.vgw) == [association]
    assert associations(two.dx_owner, directConnectGatewayId=two.gateway) == [association]
    assert associations(stranger, associationId=association["associationId"]) == []
    assert [p["proposalState"] for p in proposals(two.dx_proposer)] == ["accepted"]

    error = expect_error(lambda: two.accept(proposal["proposalId"]))
    assert dxhelpers.error_message(error) == (
        f"Direct Connect Gateway Association Proposal {proposal['proposalId']} has been accepted!")


def test_accepting_needs_the_owner_the_proposer_and_the_gateways_region(server):
    two = Two(server)
    proposal_id = two.propose()["proposalId"]
    before = proposals(two.dx_owner)
    expect_error(lambda: two.accept(proposal_id, client=two.dx_proposer), contains=[proposal_id, "is not found"])
    expect_error(lambda: two.accept(proposal_id, proposer=random_account()), contains=[proposal_id, "is not found"])
    elsewhere = make_client(server.url, account=two.owner, region="eu-west-1")
    expect_error(lambda: two.accept(proposal_id, client=elsewhere),
                 contains=[f"The VirtualGateway {two.vgw} does not exist."])
    assert proposals(two.dx_owner) == before
    assert associations(two.dx_owner, directConnectGatewayId=two.gateway) == []


def test_a_proposal_to_an_existing_association_updates_its_prefixes(server):
    two = Two(server)
    two.accept(two.propose(addAllowedPrefixesToDirectConnectGateway=[
        {"cidr": "10.40.0.0/24"}, {"cidr": "10.40.1.0/24"}])["proposalId"])
    update = two.propose(addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.40.2.0/24"}],
                         removeAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.40.0.0/24"}])
    assert update["existingAllowedPrefixesToDirectConnectGateway"] == [{"cidr": "10.40.0.0/24"},
                                                                       {"cidr": "10.40.1.0/24"}]
    assert update["requestedAllowedPrefixesToDirectConnectGateway"] == [{"cidr": "10.40.2.0/24"}]
    association = two.accept(update["proposalId"])
    assert association["allowedPrefixesToDirectConnectGateway"] == [{"cidr": "10.40.1.0/24"},
                                                                    {"cidr": "10.40.2.0/24"}]
    assert len(associations(two.dx_owner, directConnectGatewayId=two.gateway)) == 1


def test_either_side_withdraws_and_an_unknown_proposal_is_not_found(server):
    two = Two(server)
    first = two.propose()["proposalId"]
    deleted = two.dx_owner.delete_direct_connect_gateway_association_proposal(proposalId=first)[
        "directConnectGatewayAssociationProposal"]
    assert deleted["proposalState"] == "deleted"
    expect_error(lambda: two.accept(first), contains=[first, "is not found"])
    second = two.propose()["proposalId"]
    two.dx_proposer.delete_direct_connect_gateway_association_proposal(proposalId=second)
    assert sorted(p["proposalState"] for p in proposals(two.dx_owner)) == ["deleted", "deleted"]
    expect_error(lambda: two.dx_owner.delete_direct_connect_gateway_association_proposal(proposalId=MISSING),
                 contains=[MISSING, "is not found"])
    stranger = make_client(server.url, account=random_account())
    expect_error(lambda: stranger.delete_direct_connect_gateway_association_proposal(proposalId=second),
                 contains=[second, "is not found"])


def test_a_proposals_decision_reads_once_its_settle_time_has_passed(server_factory):
    """SPEC 8: `--settle-time-proposal` times `requested` -> `accepted` and `requested` -> `deleted`; with no state
    between, the proposal reads `requested` until then (our choice), while the decision holds at once: a second
    accept or a withdrawal of the accepted one is refused or changes nothing, and a withdrawn one is not accepted."""
    # The settle time is long beside the requests' own time: the clock runs on while they are made (a loaded
    # machine took over a second between a decision and the first advance below).
    server = server_factory.start(extra_args=("--clock-control", "--settle-time-proposal", "600",
                                              "--settle-time-association", "0"))
    two = Two(server)
    accepted = two.propose()["proposalId"]
    association = two.accept(accepted)
    assert association["associationState"] == "associated"

    def state(proposal_id):
        (found,) = proposals(two.dx_owner, proposalId=proposal_id)
        return found["proposalState"]

    assert state(accepted) == "requested"
    expect_error(lambda: two.accept(accepted), contains=[f"{accepted} has been accepted!"])
    assert two.dx_proposer.delete_direct_connect_gateway_association_proposal(proposalId=accepted)[
        "directConnectGatewayAssociationProposal"]["proposalState"] == "accepted"
    withdrawn = two.propose(addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.40.9.0/24"}])["proposalId"]
    assert two.dx_proposer.delete_direct_connect_gateway_association_proposal(proposalId=withdrawn)[
        "directConnectGatewayAssociationProposal"]["proposalState"] == "deleted"
    assert state(withdrawn) == "requested"
    expect_error(lambda: two.accept(withdrawn), contains=[withdrawn, "is not found"])
    dxhelpers.advance_clock(server, 590)
    assert (state(accepted), state(withdrawn)) == ("requested", "requested")
    dxhelpers.advance_clock(server, 10)
    assert (state(accepted), state(withdrawn)) == ("accepted", "deleted")
    assert associations(two.dx_owner, directConnectGatewayId=two.gateway) == [association]


def test_a_proposal_is_checked_as_an_association_is(server):
    two = Two(server)
    ec2 = ec2_client(server.url, two.proposer)
    detached = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    expect_error(lambda: two.propose(gatewayId=detached), contains=[detached, "is not attached to a VPC"])
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    expect_error(lambda: two.propose(gatewayId=tgw), contains=["Allowed prefixes are required"])
    expect_error(lambda: two.dx_proposer.create_direct_connect_gateway_association_proposal(
        directConnectGatewayId=MISSING, directConnectGatewayOwnerAccount=two.owner, gatewayId=two.vgw),
        contains=[MISSING, "does not exist"])
    assert proposals(two.dx_proposer) == []


def test_a_transit_gateway_proposal_makes_the_attachment_terraform_reads(server):
    two = Two(server)
    ec2 = ec2_client(server.url, two.proposer)
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    proposal = two.propose(gatewayId=tgw, addAllowedPrefixesToDirectConnectGateway=[{"cidr": "172.20.0.0/16"}])
    association = two.accept(proposal["proposalId"])
    assert association["associatedGateway"]["type"] == "transitGateway"
    assert "virtualGatewayId" not in association
    attachments = ec2.describe_transit_gateway_attachments(Filters=[
        {"Name": "resource-type", "Values": ["direct-connect-gateway"]},
        {"Name": "resource-id", "Values": [two.gateway]},
        {"Name": "transit-gateway-id", "Values": [tgw]},
    ])["TransitGatewayAttachments"]
    assert [(a["ResourceType"], a["ResourceId"], a["TransitGatewayId"]) for a in attachments] == [
        ("direct-connect-gateway", two.gateway, tgw)]
    assert attachments[0]["ResourceOwnerId"] == two.owner
    assert attachments[0]["TransitGatewayOwnerId"] == two.proposer


def _ok(result):
    assert result.returncode == 0, f"aws cli failed ({result.returncode}):\n{result.stderr}"
    return json.loads(result.stdout) if result.stdout.strip() else {}


def test_the_two_account_flow_through_the_aws_cli(server, tmp_path):
    owner, proposer = random_account(), random_account()

    def cli(account, service, *args):
        return _ok(run_service_cli(service, server.url, account, tmp_path, *args))

    vpc = cli(proposer, "ec2", "create-vpc", "--cidr-block", "10.41.0.0/16")["Vpc"]["VpcId"]
    vgw = cli(proposer, "ec2", "create-vpn-gateway", "--type", "ipsec.1")["VpnGateway"]["VpnGatewayId"]
    cli(proposer, "ec2", "attach-vpn-gateway", "--vpc-id", vpc, "--vpn-gateway-id", vgw)
    gateway = cli(owner, "directconnect", "create-direct-connect-gateway", "--direct-connect-gateway-name",
                  unique_name("cli"), "--amazon-side-asn", "64900")["directConnectGateway"]["directConnectGatewayId"]
    proposal = cli(proposer, "directconnect", "create-direct-connect-gateway-association-proposal",
                   "--direct-connect-gateway-id", gateway, "--direct-connect-gateway-owner-account", owner,
                   "--gateway-id", vgw)["directConnectGatewayAssociationProposal"]
    assert proposal["proposalState"] == "requested"
    listed = cli(owner, "directconnect", "describe-direct-connect-gateway-association-proposals",
                 "--proposal-id", proposal["proposalId"])["directConnectGatewayAssociationProposals"]
    assert [p["associatedGateway"]["id"] for p in listed] == [vgw]
    association = cli(owner, "directconnect", "accept-direct-connect-gateway-association-proposal",
                      "--direct-connect-gateway-id", gateway, "--proposal-id", proposal["proposalId"],
                      "--associated-gateway-owner-account", proposer)["directConnectGatewayAssociation"]
    assert association["associationState"] == "associating"
    seen = cli(proposer, "directconnect", "describe-direct-connect-gateway-associations",
               "--virtual-gateway-id", vgw)["directConnectGatewayAssociations"]
    assert [a["associationId"] for a in seen] == [association["associationId"]]
    again = run_service_cli("directconnect", server.url, owner, tmp_path,
                            "accept-direct-connect-gateway-association-proposal", "--direct-connect-gateway-id",
                            gateway, "--proposal-id", proposal["proposalId"], "--associated-gateway-owner-account",
                            proposer)
    assert again.returncode != 0
    assert "DirectConnectClientException" in again.stderr and "has been accepted!" in again.stderr
    gone = cli(owner, "directconnect", "delete-direct-connect-gateway-association", "--association-id",
               association["associationId"])["directConnectGatewayAssociation"]
    assert gone["associationState"] == "disassociating"
