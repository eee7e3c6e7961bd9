"""The call sequence Terraform's AWS provider makes for `aws_dx_gateway` and `aws_dx_gateway_association` with a
transit gateway (reference §5): create, the waiters' polls (a state in neither their pending nor their target list
fails them, as StateChangeConf does), every read's DescribeDirectConnectGatewayAssociations by ID and EC2's
DescribeTransitGatewayAttachments with Terraform's filters (no attachment is an error to Terraform), an update of
the allowed prefixes, and destroy; through boto3, on the shared server (associations settle in 2 s)."""

from __future__ import annotations

import time

import dxhelpers
from dxhelpers import make_client, random_account, unique_name


def wait_for(read, pending: set[str], target: set[str], timeout: float = 20.0):
    """Terraform's StateChangeConf: polls `read` (None when the resource is gone) until a target state; a state
    outside both lists fails at once. An empty `target` means "gone"."""
    deadline = time.monotonic() + timeout
    while True:
        current = read()
        state = None if current is None else current["associationState"]
        if state is None and not target:
            return None
        assert state is None or state in pending | target, f"unexpected state {state!r} (pending {pending})"
        if state in target:
            return current
        assert time.monotonic() < deadline, f"still {state!r} after {timeout} s"
        time.sleep(0.5)


def test_terraform_transit_gateway_association_lifecycle(server):
    account = random_account()
    dx = make_client(server.url, account=account)
    ec2 = dxhelpers._client("ec2", server.url, account, "us-east-1", dxhelpers.boto_config())

    # resource "aws_ec2_transit_gateway" (amazon_side_asn 64513), resource "aws_dx_gateway" (asn 64512).
    tgw = ec2.create_transit_gateway(Options={"AmazonSideAsn": 64513})["TransitGateway"]["TransitGatewayId"]
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName=unique_name("tf"),
                                               amazonSideAsn=64512)["directConnectGateway"]
    gateway_id = gateway["directConnectGatewayId"]
    assert gateway["directConnectGatewayState"] in ("pending", "available")

    def read(association_id):
        listed = dx.describe_direct_connect_gateway_associations(associationId=association_id)[
            "directConnectGatewayAssociations"]
        found = [a for a in listed if a["associationState"] != "disassociated"]
        if not found:
            return None
        # Every read of a transit gateway association also reads its EC2 attachment, and errors without one.
        attachments = ec2.describe_transit_gateway_attachments(Filters=[
            {"Name": "resource-type", "Values": ["direct-connect-gateway"]},
            {"Name": "resource-id", "Values": [gateway_id]},
            {"Name": "transit-gateway-id", "Values": [tgw]},
        ])["TransitGatewayAttachments"]
        assert len(attachments) == 1, attachments
        return found[0]

    # resource "aws_dx_gateway_association": create with allowed_prefixes, wait associating -> associated.
    created = dx.create_direct_connect_gateway_association(
        directConnectGatewayId=gateway_id, gatewayId=tgw,
        addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.255.255.0/30"}, {"cidr": "10.255.255.8/30"}],
    )["directConnectGatewayAssociation"]
    association_id = created["associationId"]
    assert created["associationState"] == "associating"
    associated = wait_for(lambda: read(association_id), {"associating"}, {"associated"})
    assert associated["associatedGateway"] == {"id": tgw, "type": "transitGateway", "ownerAccount": account,
                                               "region": "us-east-1"}
    assert sorted(p["cidr"] for p in associated["allowedPrefixesToDirectConnectGateway"]) == [
        "10.255.255.0/30", "10.255.255.8/30"]

    # An update of allowed_prefixes: add and remove the difference, wait updating -> associated.
    updated = dx.update_direct_connect_gateway_association(
        associationId=association_id,
        addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.255.255.16/30"}],
        removeAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.255.255.8/30"}],
    )["directConnectGatewayAssociation"]
    assert updated["associationState"] == "updating"
    settled = wait_for(lambda: read(association_id), {"updating"}, {"associated"})
    assert sorted(p["cidr"] for p in settled["allowedPrefixesToDirectConnectGateway"]) == [
        "10.255.255.0/30", "10.255.255.16/30"]

    # Destroy: the association (disassociating -> gone), then the gateway (deleting -> gone) and the TGW.
    deleted = dx.delete_direct_connect_gateway_association(associationId=association_id)[
        "directConnectGatewayAssociation"]
    assert deleted["associationState"] == "disassociating"
    assert wait_for(lambda: read(association_id), {"disassociating"}, set()) is None
    assert ec2.describe_transit_gateway_attachments(Filters=[
        {"Name": "resource-id", "Values": [gateway_id]}])["TransitGatewayAttachments"] == []
    assert dx.delete_direct_connect_gateway(directConnectGatewayId=gateway_id)["directConnectGateway"][
        "directConnectGatewayState"] == "deleting"
    assert dx.describe_direct_connect_gateways(directConnectGatewayId=gateway_id)["directConnectGateways"] == []
    assert ec2.delete_transit_gateway(TransitGatewayId=tgw)["TransitGateway"]["State"] == "deleting"
