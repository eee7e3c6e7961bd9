"""The call sequences Terraform's AWS provider makes for `aws_dx_private_virtual_interface`, `aws_dx_bgp_peer`, the
hosted private interface with its accepter and the `aws_dx_router_configuration` data source (reference §5), with
their waiters: each polls until a target state, and a state in neither its pending nor its target list fails it, as
StateChangeConf does. Through boto3, on a server whose interfaces and peers settle in 1 s."""

from __future__ import annotations

import time

import pytest

from dxhelpers import create_connection, make_client, random_account, unique_name

GONE = None


def wait_for(read, pending: set[str], target: set, timeout: float = 20.0):
    """StateChangeConf over `read` (None when gone); `GONE` in `target` accepts a resource that is gone."""
    deadline = time.monotonic() + timeout
    while True:
        state = read()
        assert state in pending | target, f"unexpected state {state!r} (pending {pending}, target {target})"
        if state in target:
            return state
        assert time.monotonic() < deadline, f"still {state!r} after {timeout} s"
        time.sleep(0.25)


def interface_state(dx, interface_id):
    found = dx.describe_virtual_interfaces(virtualInterfaceId=interface_id)["virtualInterfaces"]
    # Terraform maps an empty list to "gone"; `deleted` is a target of its delete waiter.
    return found[0]["virtualInterfaceState"] if found else GONE


DELETE_PENDING = {"available", "confirming", "deleting", "down", "pending", "rejected", "verifying"}


@pytest.fixture
def settling(server_factory):
    return server_factory.start(extra_args=("--settle-time-vif", "1", "--settle-time-bgp-peer", "1"))


def test_private_interface_and_bgp_peer_lifecycle(settling):
    account = random_account()
    dx = make_client(settling.url, account=account)
    connection = create_connection(dx)
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName=unique_name("tf"), amazonSideAsn=64512)[
        "directConnectGateway"]["directConnectGatewayId"]

    # resource "aws_dx_private_virtual_interface": mtu and enableSiteLink always sent (tags when set).
    created = dx.create_private_virtual_interface(connectionId=connection, newPrivateVirtualInterface={
        "virtualInterfaceName": "tf-vif", "vlan": 4094, "asn": 65352, "addressFamily": "ipv4", "mtu": 1500,
        "enableSiteLink": False, "directConnectGatewayId": gateway})
    interface_id = created["virtualInterfaceId"]
    wait_for(lambda: interface_state(dx, interface_id), {"pending"}, {"available", "down"})
    arn = f"arn:aws:directconnect:us-east-1:{account}:dxvif/{interface_id}"
    assert dx.describe_tags(resourceArns=[arn])["resourceTags"] == [{"resourceArn": arn, "tags": []}]

    # Update: one call per changed attribute, then the same waiter.
    dx.update_virtual_interface_attributes(virtualInterfaceId=interface_id, mtu=9001)
    wait_for(lambda: interface_state(dx, interface_id), {"pending"}, {"available", "down"})
    dx.update_virtual_interface_attributes(virtualInterfaceId=interface_id, enableSiteLink=True)
    dx.tag_resource(resourceArn=arn, tags=[{"key": "Name", "value": "tf"}])
    (shown,) = dx.describe_virtual_interfaces(virtualInterfaceId=interface_id)["virtualInterfaces"]
    assert (shown["mtu"], shown["jumboFrameCapable"], shown["siteLinkEnabled"]) == (9001, True, True)

    # resource "aws_dx_bgp_peer": create, then read the interface and find the peer by (family, asn).
    dx.create_bgp_peer(virtualInterfaceId=interface_id, newBGPPeer={"addressFamily": "ipv6", "asn": 65351})

    def peer_state():
        (vif,) = dx.describe_virtual_interfaces(virtualInterfaceId=interface_id)["virtualInterfaces"]
        peers = [p for p in vif["bgpPeers"] if (p["addressFamily"], p["asn"]) == ("ipv6", 65351)]
        assert len(peers) <= 1, peers
        return peers[0]["bgpPeerState"] if peers else GONE

    assert wait_for(peer_state, {"pending"}, {"available", "verifying"}) == "available"
    (vif,) = dx.describe_virtual_interfaces(virtualInterfaceId=interface_id)["virtualInterfaces"]
    peer = next(p for p in vif["bgpPeers"] if p["addressFamily"] == "ipv6")
    dx.delete_bgp_peer(virtualInterfaceId=interface_id, asn=65351, customerAddress=peer["customerAddress"])
    wait_for(peer_state, {"available", "deleting", "pending", "verifying"}, {"deleted", GONE})

    # data "aws_dx_router_configuration": both inputs; Terraform's acceptance test asserts this row.
    config = dx.describe_router_configuration(virtualInterfaceId=interface_id,
                                              routerTypeIdentifier="CiscoSystemsInc-2900SeriesRouters-IOS124")
    assert config["router"]["xsltTemplateNameForMacSec"] == ""
    assert config["router"]["platform"] == "2900 Series Routers"

    # Destroy: the last peer goes with the interface (Terraform treats this refusal as done).
    last = vif["bgpPeers"][0]
    try:
        dx.delete_bgp_peer(virtualInterfaceId=interface_id, asn=last["asn"],
                           customerAddress=last["customerAddress"])
        raise AssertionError("the last peer must not be deleted")
    except dx.exceptions.DirectConnectClientException as error:
        assert "The last BGP Peer on a Virtual Interface cannot be deleted" in str(error)
    dx.delete_virtual_interface(virtualInterfaceId=interface_id)
    wait_for(lambda: interface_state(dx, interface_id), DELETE_PENDING, {"deleted", GONE})
    # A second destroy finds nothing; Terraform ignores `does not exist`.
    try:
        dx.delete_virtual_interface(virtualInterfaceId="dxvif-none0000")
        raise AssertionError("an unknown interface must be refused")
    except dx.exceptions.DirectConnectClientException as error:
        assert "does not exist" in str(error)


def test_hosted_private_interface_and_its_accepter(settling):
    owner_account, accepter_account = random_account(), random_account()
    owner = make_client(settling.url, account=owner_account)
    accepter = make_client(settling.url, account=accepter_account)
    connection = create_connection(owner)

    # resource "aws_dx_hosted_private_virtual_interface" (the connection owner), no tags.
    allocated = owner.allocate_private_virtual_interface(
        connectionId=connection, ownerAccount=accepter_account,
        newPrivateVirtualInterfaceAllocation={"virtualInterfaceName": "tf-hosted", "vlan": 4093, "asn": 65352,
                                              "addressFamily": "ipv4", "mtu": 1500})
    interface_id = allocated["virtualInterfaceId"]
    wait_for(lambda: interface_state(owner, interface_id), {"pending"}, {"available", "confirming", "down"})

    # resource "aws_dx_hosted_private_virtual_interface_accepter" (the other account): confirm, tag, wait.
    gateway = accepter.create_direct_connect_gateway(directConnectGatewayName=unique_name("tf"),
                                                     amazonSideAsn=64512)["directConnectGateway"][
        "directConnectGatewayId"]
    accepter.confirm_private_virtual_interface(virtualInterfaceId=interface_id, directConnectGatewayId=gateway)
    arn = f"arn:aws:directconnect:us-east-1:{accepter_account}:dxvif/{interface_id}"
    accepter.tag_resource(resourceArn=arn, tags=[{"key": "Side", "value": "Accepter"}])
    wait_for(lambda: interface_state(accepter, interface_id), {"confirming", "pending"}, {"available", "down"})
    assert accepter.describe_tags(resourceArns=[arn])["resourceTags"][0]["tags"] == [
        {"key": "Side", "value": "Accepter"}]
    assert owner.describe_virtual_interfaces(virtualInterfaceId=interface_id)["virtualInterfaces"][0][
        "ownerAccount"] == accepter_account

    # The accepter's destroy does nothing; the creator's deletes it.
    owner.delete_virtual_interface(virtualInterfaceId=interface_id)
    wait_for(lambda: interface_state(owner, interface_id), DELETE_PENDING, {"deleted", GONE})
    assert interface_state(accepter, interface_id) in ("deleted", GONE)
