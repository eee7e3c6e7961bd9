"""Virtual interfaces and BGP peers (SPEC 7-9, reference §§1.2-1.4, 2, 3.1, 3.2, 4) through boto3 and the AWS CLI:
every member of reference §1.3, the three kinds on a MACsec connection and a LAG, attachments to gateways, every rule
of §3.1 with its text, automatic peering addresses and auth keys, the hosted flow across two accounts, updates and
moves, deletions (`deleted` for 15 minutes) and their effects on DeleteConnection, DeleteLag and
DeleteDirectConnectGateway, tags on `dxvif` ARNs. A refused request changes nothing."""

from __future__ import annotations

import ipaddress
import json
import re

import pytest

import dxhelpers
from dxhelpers import (
    create_connection,
    create_lag,
    expect_error,
    make_client,
    make_sm_client,
    random_account,
    run_cli,
    unique_name,
    wait_until,
)

VIF_ID = re.compile(r"^dxvif-[a-z0-9]{8}$")
PEER_ID = re.compile(r"^dxpeer-[a-z0-9]{8}$")
AUTH_KEY = re.compile(r"^0x[A-Za-z0-9._]{22}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
VIF_MEMBERS = {
    "ownerAccount", "virtualInterfaceId", "location", "connectionId", "virtualInterfaceType",
    "virtualInterfaceName", "vlan", "asn", "asnLong", "amazonSideAsn", "authKey", "amazonAddress",
    "customerAddress", "addressFamily", "virtualInterfaceState", "customerRouterConfig", "mtu",
    "jumboFrameCapable", "virtualGatewayId", "directConnectGatewayId", "routeFilterPrefixes", "bgpPeers",
    "region", "awsDeviceV2", "awsLogicalDeviceId", "tags", "siteLinkEnabled",
}
PEER_MEMBERS = {
    "bgpPeerId", "asn", "asnLong", "authKey", "addressFamily", "amazonAddress", "customerAddress",
    "bgpPeerState", "bgpStatus", "awsDeviceV2", "awsLogicalDeviceId",
}


class World:
    """One account's Direct Connect, Secrets Manager and EC2 clients on a server."""

    def __init__(self, server, account=None, region="us-east-1"):
        self.server = server
        self.account = account or random_account()
        self.region = region
        self.dx = make_client(server.url, account=self.account, region=region)
        self.sm = make_sm_client(server.url, account=self.account, region=region)
        self.ec2 = dxhelpers._client("ec2", server.url, self.account, region, dxhelpers.boto_config())

    def connection(self, **kwargs) -> str:
        return create_connection(self.dx, **kwargs)

    def gateway(self, asn=64600) -> str:
        return self.dx.create_direct_connect_gateway(directConnectGatewayName=unique_name("gw"), amazonSideAsn=asn)[
            "directConnectGateway"]["directConnectGatewayId"]

    def vgw(self, asn=None) -> str:
        kwargs = {"AmazonSideAsn": asn} if asn else {}
        vgw = self.ec2.create_vpn_gateway(Type="ipsec.1", **kwargs)["VpnGateway"]["VpnGatewayId"]
        vpc = self.ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        self.ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
        return vgw

    def private(self, connection, vlan=101, **new) -> dict:
        new = {"virtualInterfaceName": unique_name("vif"), "vlan": vlan, "asn": 65000, **new}
        return self.dx.create_private_virtual_interface(connectionId=connection, newPrivateVirtualInterface=new)

    def transit(self, connection, gateway, vlan=201, **new) -> dict:
        new = {"virtualInterfaceName": unique_name("tvif"), "vlan": vlan, "asn": 65001,
               "directConnectGatewayId": gateway, **new}
        return self.dx.create_transit_virtual_interface(connectionId=connection,
                                                        newTransitVirtualInterface=new)["virtualInterface"]

    def public(self, connection, vlan=301, **new) -> dict:
        new = {"virtualInterfaceName": unique_name("pvif"), "vlan": vlan, "asn": 65002,
               "amazonAddress": "203.0.113.1/30", "customerAddress": "203.0.113.2/30",
               "routeFilterPrefixes": [{"cidr": "198.51.100.0/24"}], **new}
        return self.dx.create_public_virtual_interface(connectionId=connection, newPublicVirtualInterface=new)

    def interface(self, interface_id) -> dict:
        (found,) = self.dx.describe_virtual_interfaces(virtualInterfaceId=interface_id)["virtualInterfaces"]
        return found

    def snapshot(self) -> dict:
        return dxhelpers.account_snapshot(self.dx, self.sm)

    def refused(self, call, contains, *others):
        """`call` is refused with a message holding `contains`, and nothing changes here or in `others`."""
        before = [self.snapshot()] + [other.snapshot() for other in others]
        error = expect_error(call, contains=(contains,))
        assert [self.snapshot()] + [other.snapshot() for other in others] == before
        return error


def without_volatile(interface: dict) -> dict:
    return {key: value for key, value in interface.items() if key != "ResponseMetadata"}


def test_a_private_interface_on_a_macsec_connection_is_built_and_torn_down(server):
    """The issue's path: a MACsec connection, a gateway associated with a VGW, a private VIF attached to it."""
    w = World(server)
    connection = w.connection()
    dxhelpers.associate_key(w.dx, connection)
    gateway = w.gateway(asn=64999)
    vgw = w.vgw()
    w.dx.create_direct_connect_gateway_association(directConnectGatewayId=gateway, gatewayId=vgw)

    created = without_volatile(w.private(connection, vlan=2805, asn=64800, directConnectGatewayId=gateway))
    assert set(created) == VIF_MEMBERS
    assert VIF_ID.match(created["virtualInterfaceId"])
    (peer,) = created["bgpPeers"]
    assert set(peer) == PEER_MEMBERS
    assert PEER_ID.match(peer["bgpPeerId"])
    assert AUTH_KEY.match(created["authKey"]) and peer["authKey"] == created["authKey"]
    amazon = ipaddress.ip_interface(created["amazonAddress"])
    customer = ipaddress.ip_interface(created["customerAddress"])
    assert amazon.network == customer.network and amazon.network.prefixlen == 30
    assert amazon.network.subnet_of(ipaddress.ip_network("169.254.0.0/16"))
    assert int(amazon.ip) - int(amazon.network.network_address) == 1
    assert int(customer.ip) - int(customer.network.network_address) == 2
    connection_shown = dxhelpers.describe_connection(w.dx, connection)
    assert created | {"virtualInterfaceState": None, "bgpPeers": None, "customerRouterConfig": None,
                      "authKey": None, "amazonAddress": None, "customerAddress": None,
                      "virtualInterfaceId": None} == {
        "ownerAccount": w.account, "virtualInterfaceId": None, "location": connection_shown["location"],
        "connectionId": connection, "virtualInterfaceType": "private",
        "virtualInterfaceName": created["virtualInterfaceName"], "vlan": 2805, "asn": 64800, "asnLong": 64800,
        "amazonSideAsn": 64999, "authKey": None, "amazonAddress": None, "customerAddress": None,
        "addressFamily": "ipv4", "virtualInterfaceState": None, "customerRouterConfig": None, "mtu": 1500,
        "jumboFrameCapable": True, "virtualGatewayId": "", "directConnectGatewayId": gateway,
        "routeFilterPrefixes": [], "bgpPeers": None, "region": "us-east-1",
        "awsDeviceV2": connection_shown["awsDeviceV2"], "awsLogicalDeviceId": connection_shown["awsLogicalDeviceId"],
        "tags": [], "siteLinkEnabled": False,
    }
    # The default settle time is 0 s for interfaces and peers: settled at once, BGP up (our choice, SPEC 8).
    assert created["virtualInterfaceState"] == "available"
    assert (peer["bgpPeerState"], peer["bgpStatus"]) == ("available", "up")
    xml = created["customerRouterConfig"]
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<logical_connection id="%s">'
                          % created["virtualInterfaceId"])
    for element in ("<vlan>2805</vlan>", f"<customer_address>{created['customerAddress']}</customer_address>",
                    f"<amazon_address>{created['amazonAddress']}</amazon_address>", "<bgp_asn>64800</bgp_asn>",
                    f"<bgp_auth_key>{created['authKey']}</bgp_auth_key>", "<amazon_bgp_asn>64999</amazon_bgp_asn>",
                    "<connection_type>private</connection_type>"):
        assert element in xml
    interface_id = created["virtualInterfaceId"]
    assert without_volatile(w.interface(interface_id)) == created
    assert [v["virtualInterfaceId"] for v in w.dx.describe_virtual_interfaces(connectionId=connection)[
        "virtualInterfaces"]] == [interface_id]
    (attachment,) = w.dx.describe_direct_connect_gateway_attachments(directConnectGatewayId=gateway)[
        "directConnectGatewayAttachments"]
    assert attachment == {"directConnectGatewayId": gateway, "virtualInterfaceId": interface_id,
                          "virtualInterfaceRegion": "us-east-1", "virtualInterfaceOwnerAccount": w.account,
                          "attachmentState": "attached", "attachmentType": "PrivateVirtualInterface"}
    assert w.dx.describe_direct_connect_gateway_attachments(virtualInterfaceId=interface_id)[
        "directConnectGatewayAttachments"] == [attachment]

    # Nothing that carries it can go while it exists.
    w.refused(lambda: w.dx.delete_connection(connectionId=connection),
              "until its Virtual Interfaces are deleted")
    w.refused(lambda: w.dx.delete_direct_connect_gateway(directConnectGatewayId=gateway), interface_id)

    deleted = w.dx.delete_virtual_interface(virtualInterfaceId=interface_id)
    assert without_volatile(deleted) == {"virtualInterfaceState": "deleting"}
    # Listed as deleted for 15 minutes, peers too; detached from the gateway.
    shown = w.interface(interface_id)
    assert shown["virtualInterfaceState"] == "deleted"
    assert [p["bgpPeerState"] for p in shown["bgpPeers"]] == ["deleted"]
    assert w.dx.describe_direct_connect_gateway_attachments(directConnectGatewayId=gateway)[
        "directConnectGatewayAttachments"] == []
    assert without_volatile(w.dx.delete_virtual_interface(virtualInterfaceId=interface_id)) == {
        "virtualInterfaceState": "deleted"}
    w.dx.delete_connection(connectionId=connection)
    association = w.dx.describe_direct_connect_gateway_associations(directConnectGatewayId=gateway)[
        "directConnectGatewayAssociations"][0]["associationId"]
    w.dx.delete_direct_connect_gateway_association(associationId=association)


def test_a_private_interface_to_a_virtual_private_gateway_takes_its_asn(server):
    w = World(server)
    connection = w.connection()
    vgw = w.vgw(asn=64520)
    created = w.private(connection, virtualGatewayId=vgw, amazonAddress="172.16.253.18/30",
                        customerAddress="172.16.253.17/30", authKey="given-key-1")
    assert (created["virtualGatewayId"], created["directConnectGatewayId"]) == (vgw, "")
    assert created["amazonSideAsn"] == 64520
    assert (created["amazonAddress"], created["customerAddress"]) == ("172.16.253.18/30", "172.16.253.17/30")
    assert created["authKey"] == "given-key-1"
    w.refused(lambda: w.private(connection, vlan=102, virtualGatewayId="vgw-0123456789abcdef0"),
              "The VirtualGateway vgw-0123456789abcdef0 does not exist.")
    w.refused(lambda: w.private(connection, vlan=102, virtualGatewayId=vgw, enableSiteLink=True), "SiteLink")


def test_transit_and_public_interfaces_have_their_shapes_and_states(server):
    w = World(server)
    lag = create_lag(w.dx, count=2)["lagId"]
    gateway = w.gateway(asn=4200000000)
    transit = w.transit(lag, gateway, mtu=8500, enableSiteLink=True)
    assert set(transit) == VIF_MEMBERS
    assert (transit["virtualInterfaceType"], transit["connectionId"], transit["mtu"]) == ("transit", lag, 8500)
    assert (transit["amazonSideAsn"], transit["siteLinkEnabled"]) == (4200000000, True)
    (attachment,) = w.dx.describe_direct_connect_gateway_attachments(
        virtualInterfaceId=transit["virtualInterfaceId"])["directConnectGatewayAttachments"]
    assert attachment["attachmentType"] == "TransitVirtualInterface"

    public = without_volatile(w.public(lag))
    assert set(public) == VIF_MEMBERS
    assert (public["virtualInterfaceType"], public["amazonSideAsn"]) == ("public", 7224)
    assert public["routeFilterPrefixes"] == [{"cidr": "198.51.100.0/24"}]
    assert (public["virtualGatewayId"], public["directConnectGatewayId"]) == ("", "")
    assert "<connection_type>public</connection_type>" in public["customerRouterConfig"]
    assert w.dx.describe_direct_connect_gateway_attachments(virtualInterfaceId=public["virtualInterfaceId"])[
        "directConnectGatewayAttachments"] == []
    # Every interface of the LAG is listed by the LAG's ID (Ansible's LAG module asks so).
    listed = w.dx.describe_virtual_interfaces(connectionId=lag)["virtualInterfaces"]
    assert sorted(v["virtualInterfaceId"] for v in listed) == sorted(
        [transit["virtualInterfaceId"], public["virtualInterfaceId"]])
    w.refused(lambda: w.dx.delete_lag(lagId=lag), "until its Virtual Interfaces are deleted")
    for interface in listed:
        w.dx.delete_virtual_interface(virtualInterfaceId=interface["virtualInterfaceId"])
    assert w.dx.delete_lag(lagId=lag)["lagState"] == "deleted"


def test_the_rules_of_creation_refuse_with_their_texts_and_change_nothing(server):
    w = World(server)
    connection = w.connection()
    gateway = w.gateway()
    w.private(connection, vlan=1004, directConnectGatewayId=gateway)
    base = {"virtualInterfaceName": "x", "vlan": 1005, "asn": 65000, "directConnectGatewayId": gateway}

    def create(**changes):
        new = {**base, **changes}
        new = {key: value for key, value in new.items() if value is not None}
        return lambda: w.dx.create_private_virtual_interface(connectionId=connection,
                                                             newPrivateVirtualInterface=new)

    w.refused(create(vlan=1004), "Vlan 1004 is already in use")
    w.refused(create(vlan=4095), "4094")
    w.refused(create(virtualInterfaceName="n" * 101), "100")
    w.refused(create(directConnectGatewayId=None), "virtualGatewayId or a directConnectGatewayId")
    w.refused(create(virtualGatewayId="vgw-0123456789abcdef0"), "not both")
    w.refused(create(mtu=8500), "MTU 8500")
    w.refused(create(authKey="short"), "authKey")
    w.refused(create(asn=2147483647), "2147483646")
    w.refused(create(amazonAddress="169.254.9.1/30"), "both amazonAddress and customerAddress")
    w.refused(create(amazonAddress="not-an-ip", customerAddress="169.254.9.2/30"), "not-an-ip")
    w.refused(create(addressFamily="ipv6", amazonAddress="2001:db8::1/125", customerAddress="2001:db8::2/125"),
              "IPv6")
    w.refused(create(directConnectGatewayId="00000000-0000-4000-8000-000000000000"), "does not exist")
    w.refused(lambda: w.dx.create_private_virtual_interface(connectionId="dxcon-none0000",
                                                            newPrivateVirtualInterface=base),
              "Could not find Connection with ID dxcon-none0000")
    # Transit and private interfaces never share a gateway; a transit gateway association keeps private ones off.
    w.refused(lambda: w.transit(connection, gateway), "cannot share")
    tgw = w.ec2.create_transit_gateway(Options={"AmazonSideAsn": 64513})["TransitGateway"]["TransitGatewayId"]
    other = w.gateway()
    w.dx.create_direct_connect_gateway_association(directConnectGatewayId=other, gatewayId=tgw,
                                                   addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.0.0.0/8"}])
    w.refused(create(directConnectGatewayId=other), tgw)
    second_tgw = w.ec2.create_transit_gateway(Options={"AmazonSideAsn": 64514})["TransitGateway"][
        "TransitGatewayId"]
    w.refused(lambda: w.dx.create_direct_connect_gateway_association(
        directConnectGatewayId=gateway, gatewayId=second_tgw,
        addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.0.0.0/8"}]), "has virtual interface")
    # asnLong wins over asn; above the int32 range asn reads 0.
    long = w.private(connection, vlan=1006, asn=65000, asnLong=4200000001, directConnectGatewayId=gateway)
    assert (long["asn"], long["asnLong"]) == (0, 4200000001)


def test_transit_interfaces_are_limited_to_four_a_connection(server):
    w = World(server)
    connection = w.connection()
    gateway = w.gateway()
    for vlan in range(201, 205):
        w.transit(connection, gateway, vlan=vlan)
    w.refused(lambda: w.transit(connection, gateway, vlan=205), "4 transit virtual interfaces")


def test_automatic_peering_addresses_are_never_handed_out_twice(server):
    w = World(server)
    connection = w.connection()
    gateway = w.gateway()
    seen = set()
    for vlan in range(10, 16):
        created = w.private(connection, vlan=vlan, directConnectGatewayId=gateway)
        network = ipaddress.ip_interface(created["amazonAddress"]).network
        assert network not in seen
        seen.add(network)
        w.dx.delete_virtual_interface(virtualInterfaceId=created["virtualInterfaceId"])
    assert len(seen) == 6


def test_bgp_peers_one_per_family_and_never_the_last(server):
    w = World(server)
    connection = w.connection()
    created = w.private(connection, directConnectGatewayId=w.gateway())
    interface_id = created["virtualInterfaceId"]
    (first,) = created["bgpPeers"]
    added = w.dx.create_bgp_peer(virtualInterfaceId=interface_id,
                                 newBGPPeer={"asn": 65010, "addressFamily": "ipv6"})
    assert set(added) - {"ResponseMetadata"} == {"virtualInterface"}
    peers = {p["addressFamily"]: p for p in added["virtualInterface"]["bgpPeers"]}
    ipv6 = peers["ipv6"]
    amazon, customer = ipaddress.ip_interface(ipv6["amazonAddress"]), ipaddress.ip_interface(ipv6["customerAddress"])
    assert amazon.network == customer.network and amazon.network.prefixlen == 125
    assert AUTH_KEY.match(ipv6["authKey"]) and PEER_ID.match(ipv6["bgpPeerId"])
    xml = added["virtualInterface"]["customerRouterConfig"]
    for element in ("ipv6_customer_address", "ipv6_amazon_address", "<ipv6_bgp_asn>65010</ipv6_bgp_asn>",
                    "ipv6_bgp_auth_key"):
        assert element in xml
    assert xml.index("ipv6_bgp_auth_key") < xml.index("amazon_bgp_asn>")
    w.refused(lambda: w.dx.create_bgp_peer(virtualInterfaceId=interface_id,
                                           newBGPPeer={"asn": 65011, "addressFamily": "ipv6"}),
              "same IP addressing family")
    w.refused(lambda: w.dx.create_bgp_peer(virtualInterfaceId=interface_id, newBGPPeer={
        "asn": 65011, "addressFamily": "ipv6", "customerAddress": "2001:db8::2/125",
        "amazonAddress": "2001:db8::1/125"}), "IPv6")
    w.refused(lambda: w.dx.create_bgp_peer(virtualInterfaceId="dxvif-none0000",
                                           newBGPPeer={"asn": 1, "addressFamily": "ipv6"}), "does not exist")
    # Terraform's form: the ASN and customer address.
    removed = w.dx.delete_bgp_peer(virtualInterfaceId=interface_id, asn=65000,
                                   customerAddress=first["customerAddress"])["virtualInterface"]
    assert {p["bgpPeerId"]: p["bgpPeerState"] for p in removed["bgpPeers"]} == {
        first["bgpPeerId"]: "deleting", ipv6["bgpPeerId"]: "available"}
    assert [p["bgpPeerId"] for p in w.interface(interface_id)["bgpPeers"]] == [ipv6["bgpPeerId"]]
    w.refused(lambda: w.dx.delete_bgp_peer(virtualInterfaceId=interface_id, bgpPeerId=ipv6["bgpPeerId"]),
              "The last BGP Peer on a Virtual Interface cannot be deleted")
    w.refused(lambda: w.dx.delete_bgp_peer(virtualInterfaceId=interface_id, bgpPeerId="dxpeer-none0000"),
              "does not exist")


def test_update_attributes_changes_mtu_sitelink_and_name(server_factory):
    server = server_factory.start(extra_args=("--settle-time-vif", "1"))
    w = World(server)
    connection = w.connection()
    gateway = w.gateway()
    created = w.private(connection, directConnectGatewayId=gateway)
    interface_id = created["virtualInterfaceId"]
    assert created["virtualInterfaceState"] == "pending"
    assert (created["bgpPeers"][0]["bgpPeerState"], created["bgpPeers"][0]["bgpStatus"]) == ("available", "down")
    (attachment,) = w.dx.describe_direct_connect_gateway_attachments(virtualInterfaceId=interface_id)[
        "directConnectGatewayAttachments"]
    assert attachment["attachmentState"] == "attaching"
    wait_until(lambda: w.interface(interface_id)["virtualInterfaceState"] == "available", timeout=5)
    updated = w.dx.update_virtual_interface_attributes(virtualInterfaceId=interface_id, mtu=9001)
    assert (updated["mtu"], updated["virtualInterfaceState"]) == (9001, "pending")
    wait_until(lambda: w.interface(interface_id)["virtualInterfaceState"] == "available", timeout=5)
    renamed = w.dx.update_virtual_interface_attributes(virtualInterfaceId=interface_id, virtualInterfaceName="new",
                                                       enableSiteLink=True)
    assert (renamed["virtualInterfaceName"], renamed["siteLinkEnabled"], renamed["mtu"]) == ("new", True, 9001)
    assert renamed["virtualInterfaceState"] == "available"
    w.refused(lambda: w.dx.update_virtual_interface_attributes(virtualInterfaceId=interface_id, mtu=8500),
              "MTU 8500")
    w.refused(lambda: w.dx.update_virtual_interface_attributes(virtualInterfaceId="dxvif-none0000", mtu=1500),
              "does not exist")
    assert w.dx.delete_virtual_interface(virtualInterfaceId=interface_id)["virtualInterfaceState"] == "deleting"
    assert w.interface(interface_id)["virtualInterfaceState"] == "deleting"
    (attachment,) = w.dx.describe_direct_connect_gateway_attachments(virtualInterfaceId=interface_id)[
        "directConnectGatewayAttachments"]
    assert attachment["attachmentState"] == "detaching"
    wait_until(lambda: w.interface(interface_id)["virtualInterfaceState"] == "deleted", timeout=5)


def test_a_hosted_interface_is_allocated_confirmed_seen_by_both_and_deleted(server):
    partner, customer = World(server), World(server)
    connection = partner.connection()
    new = {"virtualInterfaceName": "hosted", "vlan": 400, "asn": 65100}
    partner.refused(lambda: partner.dx.allocate_private_virtual_interface(
        connectionId=connection, ownerAccount=partner.account, newPrivateVirtualInterfaceAllocation=new),
        "Cannot allocate VirtualInterface for the connection owner.")
    allocated = without_volatile(partner.dx.allocate_private_virtual_interface(
        connectionId=connection, ownerAccount=customer.account, newPrivateVirtualInterfaceAllocation=new))
    assert set(allocated) == VIF_MEMBERS
    interface_id = allocated["virtualInterfaceId"]
    assert (allocated["ownerAccount"], allocated["virtualInterfaceState"]) == (customer.account, "confirming")
    assert (allocated["amazonSideAsn"], allocated["virtualGatewayId"], allocated["directConnectGatewayId"]) == (
        7224, "", "")
    assert customer.interface(interface_id) == partner.interface(interface_id)
    assert [v["virtualInterfaceId"] for v in customer.dx.describe_virtual_interfaces()["virtualInterfaces"]] == [
        interface_id]
    # Only the owner confirms, with its own gateway.
    gateway = customer.gateway()
    partner.refused(lambda: partner.dx.confirm_private_virtual_interface(virtualInterfaceId=interface_id,
                                                                        directConnectGatewayId=gateway),
                    "only by its owner", customer)
    customer.refused(lambda: customer.dx.confirm_private_virtual_interface(virtualInterfaceId=interface_id),
                     "virtualGatewayId or a directConnectGatewayId", partner)
    confirmed = customer.dx.confirm_private_virtual_interface(virtualInterfaceId=interface_id,
                                                             directConnectGatewayId=gateway)
    assert without_volatile(confirmed) == {"virtualInterfaceState": "pending"}
    shown = customer.interface(interface_id)
    assert (shown["virtualInterfaceState"], shown["directConnectGatewayId"]) == ("available", gateway)
    assert shown["amazonSideAsn"] == 64600
    assert partner.interface(interface_id) == shown
    (attachment,) = customer.dx.describe_direct_connect_gateway_attachments(directConnectGatewayId=gateway)[
        "directConnectGatewayAttachments"]
    assert attachment["virtualInterfaceOwnerAccount"] == customer.account
    # The owner tags it by its ARN; the partner cannot download the accepter's... the accepter cannot download the
    # router configuration (reference §3.8).
    arn = f"arn:aws:directconnect:us-east-1:{customer.account}:dxvif/{interface_id}"
    customer.dx.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "net"}])
    assert customer.dx.describe_tags(resourceArns=[arn])["resourceTags"][0]["tags"] == [
        {"key": "team", "value": "net"}]
    assert customer.interface(interface_id)["tags"] == [{"key": "team", "value": "net"}]
    customer.refused(lambda: customer.dx.describe_router_configuration(
        virtualInterfaceId=interface_id, routerTypeIdentifier="CiscoSystemsInc-2900SeriesRouters-IOS124"),
        "not available to the account that accepted it", partner)
    # The connection owner deletes it (Terraform's hosted resource does).
    assert partner.dx.delete_virtual_interface(virtualInterfaceId=interface_id)["virtualInterfaceState"] == "deleting"
    assert customer.interface(interface_id)["virtualInterfaceState"] == "deleted"


def test_refusing_an_allocation_rejects_it(server):
    partner, customer = World(server), World(server)
    connection = partner.connection()
    allocated = partner.dx.allocate_transit_virtual_interface(
        connectionId=connection, ownerAccount=customer.account,
        newTransitVirtualInterfaceAllocation={"virtualInterfaceName": "t", "vlan": 401, "asn": 65100})
    assert set(allocated) - {"ResponseMetadata"} == {"virtualInterface"}
    interface_id = allocated["virtualInterface"]["virtualInterfaceId"]
    assert customer.dx.delete_virtual_interface(virtualInterfaceId=interface_id)["virtualInterfaceState"] == \
        "rejected"
    assert partner.interface(interface_id)["virtualInterfaceState"] == "rejected"
    # A rejected interface frees its VLAN.
    partner.private(connection, vlan=401, directConnectGatewayId=partner.gateway())


def test_a_public_hosted_interface_confirms_to_verifying(server_factory):
    server = server_factory.start(extra_args=("--settle-time-vif", "30", "--settle-time-bgp-peer", "30"))
    partner, customer = World(server), World(server)
    connection = partner.connection()
    allocated = partner.dx.allocate_public_virtual_interface(
        connectionId=connection, ownerAccount=customer.account,
        newPublicVirtualInterfaceAllocation={"virtualInterfaceName": "p", "vlan": 402, "asn": 65100,
                                             "amazonAddress": "203.0.113.5/30", "customerAddress": "203.0.113.6/30",
                                             "routeFilterPrefixes": [{"cidr": "198.51.100.0/24"}]})
    interface_id = allocated["virtualInterfaceId"]
    assert allocated["bgpPeers"][0]["bgpPeerState"] == "verifying"
    confirmed = customer.dx.confirm_public_virtual_interface(virtualInterfaceId=interface_id)
    assert confirmed["virtualInterfaceState"] == "verifying"
    shown = customer.interface(interface_id)
    assert (shown["virtualInterfaceState"], shown["bgpPeers"][0]["bgpPeerState"]) == ("verifying", "verifying")


def test_an_interface_moves_to_a_lag(server):
    w = World(server)
    connection = w.connection()
    lag = create_lag(w.dx, count=2)["lagId"]
    gateway = w.gateway()
    moving = w.private(connection, vlan=500, directConnectGatewayId=gateway)
    w.private(lag, vlan=500, directConnectGatewayId=gateway)
    w.refused(lambda: w.dx.associate_virtual_interface(virtualInterfaceId=moving["virtualInterfaceId"],
                                                       connectionId=lag), "Vlan 500 is already in use")
    w.refused(lambda: w.dx.associate_virtual_interface(virtualInterfaceId=moving["virtualInterfaceId"],
                                                       connectionId="dxlag-none0000"),
              "Could not find Lag with ID dxlag-none0000")
    other = create_lag(w.dx, count=1)["lagId"]
    moved = w.dx.associate_virtual_interface(virtualInterfaceId=moving["virtualInterfaceId"], connectionId=other)
    assert moved["connectionId"] == other
    assert [v["virtualInterfaceId"] for v in w.dx.describe_virtual_interfaces(connectionId=other)[
        "virtualInterfaces"]] == [moving["virtualInterfaceId"]]
    w.dx.delete_connection(connectionId=connection)


def test_a_move_needs_free_addresses_and_the_owner_of_the_interface_or_its_connection(server):
    """Reference §3.1: a move fails on an IP conflict; a VIF on a hosted connection cannot move to a LAG; the
    requester owns the VIF or its current connection, and owns the target."""
    w = World(server)
    gateway = w.gateway()
    first, second = w.connection(), w.connection()
    addresses = {"amazonAddress": "10.0.0.1/30", "customerAddress": "10.0.0.2/30", "directConnectGatewayId": gateway}
    w.private(first, vlan=100, **addresses)
    clashing = w.private(second, vlan=200, **addresses)["virtualInterfaceId"]
    w.refused(lambda: w.dx.associate_virtual_interface(virtualInterfaceId=clashing, connectionId=first),
              "Address 10.0.0.1 is already in use on " + first)
    elsewhere = w.private(second, vlan=201, amazonAddress="10.0.1.1/30", customerAddress="10.0.1.2/30",
                          directConnectGatewayId=gateway)["virtualInterfaceId"]
    assert w.dx.associate_virtual_interface(virtualInterfaceId=elsewhere, connectionId=first)["connectionId"] == first

    # An interface on a hosted connection moves with it, never onto a LAG.
    partner = World(server)
    parent = partner.dx.create_interconnect(interconnectName=unique_name("nni"), bandwidth="10Gbps",
                                            location="EqDC2")["interconnectId"]
    hosted = partner.dx.allocate_hosted_connection(connectionId=parent, ownerAccount=w.account, bandwidth="500Mbps",
                                                   connectionName=unique_name("hosted"), vlan=300)["connectionId"]
    w.dx.confirm_connection(connectionId=hosted)
    on_hosted = w.private(hosted, vlan=300, directConnectGatewayId=gateway)["virtualInterfaceId"]
    lag = create_lag(w.dx, count=1)["lagId"]
    w.refused(lambda: w.dx.associate_virtual_interface(virtualInterfaceId=on_hosted, connectionId=lag),
              f"is on hosted connection {hosted} and cannot be moved to a LAG", partner)

    # The owner of a hosted interface moves it onto a connection of its own; a third account may not.
    owner, stranger = World(server), World(server)
    allocated = w.dx.allocate_private_virtual_interface(
        connectionId=first, ownerAccount=owner.account,
        newPrivateVirtualInterfaceAllocation={"virtualInterfaceName": "moved", "vlan": 400, "asn": 65100})
    interface_id = allocated["virtualInterfaceId"]
    owner.dx.confirm_private_virtual_interface(virtualInterfaceId=interface_id,
                                               directConnectGatewayId=owner.gateway())
    own, strangers = owner.connection(), stranger.connection()
    stranger.refused(lambda: stranger.dx.associate_virtual_interface(virtualInterfaceId=interface_id,
                                                                     connectionId=strangers),
                     "does not exist", w, owner)
    owner.refused(lambda: owner.dx.associate_virtual_interface(virtualInterfaceId=interface_id,
                                                               connectionId=second), "Could not find Connection", w)
    moved = owner.dx.associate_virtual_interface(virtualInterfaceId=interface_id, connectionId=own)
    assert (moved["connectionId"], moved["ownerAccount"]) == (own, owner.account)
    assert [v["virtualInterfaceId"] for v in owner.dx.describe_virtual_interfaces(connectionId=own)[
        "virtualInterfaces"]] == [interface_id]
    assert interface_id not in [v["virtualInterfaceId"] for v in w.dx.describe_virtual_interfaces()[
        "virtualInterfaces"]]
    # Its old connection carries it no more; the owner still changes and deletes it.
    assert w.dx.describe_virtual_interfaces(connectionId=first)["virtualInterfaces"][0]["virtualInterfaceId"] != \
        interface_id
    owner.dx.update_virtual_interface_attributes(virtualInterfaceId=interface_id, virtualInterfaceName="own")
    assert owner.dx.delete_virtual_interface(virtualInterfaceId=interface_id)["virtualInterfaceState"] == "deleting"


def test_automatic_addresses_never_clash_and_a_confirming_interface_stays_put(server):
    """Each account's pool hands out automatic peering addresses (SPEC 7), so an interface and one allocated to
    another account on the same connection may hold the same link-local pair: neither a move nor the connection
    joining a LAG (its interfaces follow it) counts that as an IP conflict. An allocated interface moves only once
    its owner has confirmed it (our choice)."""
    w, owner = World(server), World(server)
    connection = w.connection()
    own = w.private(connection, vlan=600, directConnectGatewayId=w.gateway())
    allocated = w.dx.allocate_private_virtual_interface(
        connectionId=connection, ownerAccount=owner.account,
        newPrivateVirtualInterfaceAllocation={"virtualInterfaceName": "auto", "vlan": 601, "asn": 65100})
    assert (allocated["amazonAddress"], allocated["customerAddress"]) == (own["amazonAddress"],
                                                                          own["customerAddress"])
    elsewhere = owner.connection()
    owner.refused(lambda: owner.dx.associate_virtual_interface(virtualInterfaceId=allocated["virtualInterfaceId"],
                                                               connectionId=elsewhere),
                  "is confirming: confirm it before moving it", w)
    lag = create_lag(w.dx, count=1)["lagId"]
    w.dx.associate_connection_with_lag(connectionId=connection, lagId=lag)
    assert sorted(v["virtualInterfaceId"] for v in w.dx.describe_virtual_interfaces(connectionId=lag)[
        "virtualInterfaces"]) == sorted([own["virtualInterfaceId"], allocated["virtualInterfaceId"]])


def test_tags_on_virtual_interfaces(server):
    w = World(server)
    created = w.private(w.connection(), directConnectGatewayId=w.gateway(),
                        tags=[{"key": "a", "value": "1"}])
    assert created["tags"] == [{"key": "a", "value": "1"}]
    arn = f"arn:aws:directconnect:us-east-1:{w.account}:dxvif/{created['virtualInterfaceId']}"
    w.dx.tag_resource(resourceArn=arn, tags=[{"key": "b", "value": "2"}])
    w.dx.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert w.dx.describe_tags(resourceArns=[arn])["resourceTags"] == [
        {"resourceArn": arn, "tags": [{"key": "b", "value": "2"}]}]
    expect_error(lambda: w.private(w.connection(), directConnectGatewayId=w.gateway(),
                                   tags=[{"key": "k", "value": "1"}, {"key": "k", "value": "2"}]),
                 code="DuplicateTagKeysException")
    # A deleted interface, still listed, takes no change (SPEC 10): its tags are read, not changed.
    assert w.dx.delete_virtual_interface(virtualInterfaceId=created["virtualInterfaceId"])[
        "virtualInterfaceState"] == "deleting"
    assert w.interface(created["virtualInterfaceId"])["virtualInterfaceState"] == "deleted"
    w.refused(lambda: w.dx.tag_resource(resourceArn=arn, tags=[{"key": "c", "value": "3"}]), "is deleted")
    w.refused(lambda: w.dx.untag_resource(resourceArn=arn, tagKeys=["b"]), "is deleted")
    assert w.dx.describe_tags(resourceArns=[arn])["resourceTags"] == [
        {"resourceArn": arn, "tags": [{"key": "b", "value": "2"}]}]


def test_describe_lists_nothing_for_an_unknown_id_and_pages(server):
    w = World(server)
    assert w.dx.describe_virtual_interfaces(virtualInterfaceId="dxvif-none0000")["virtualInterfaces"] == []
    connection = w.connection()
    gateway = w.gateway()
    made = sorted(w.private(connection, vlan=vlan, directConnectGatewayId=gateway)["virtualInterfaceId"]
                  for vlan in range(600, 605))
    seen, token = [], None
    while True:
        page = w.dx.describe_virtual_interfaces(maxResults=2, **({"nextToken": token} if token else {}))
        assert len(page["virtualInterfaces"]) <= 2
        seen += [v["virtualInterfaceId"] for v in page["virtualInterfaces"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == made
    expect_error(lambda: w.dx.delete_virtual_interface(virtualInterfaceId="dxvif-none0000"),
                 contains=("does not exist",))


def test_the_aws_cli_creates_describes_and_deletes_an_interface(server, tmp_path):
    """The issue's path through the AWS CLI: a MACsec connection with a key, a gateway associated with a VGW."""
    w = World(server)
    connection = w.connection()
    _, ckn, cak = dxhelpers.associate_key(w.dx, connection)
    gateway = w.gateway()
    association = w.dx.create_direct_connect_gateway_association(directConnectGatewayId=gateway, gatewayId=w.vgw())[
        "directConnectGatewayAssociation"]["associationId"]

    def cli(*args):
        result = run_cli(server.url, w.account, tmp_path, *args)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else {}

    created = cli("create-private-virtual-interface", "--connection-id", connection,
                  "--new-private-virtual-interface",
                  json.dumps({"virtualInterfaceName": "cli", "vlan": 700, "asn": 65000,
                              "directConnectGatewayId": gateway}))
    assert created["virtualInterfaceState"] == "available"
    interface_id = created["virtualInterfaceId"]
    peered = cli("create-bgp-peer", "--virtual-interface-id", interface_id, "--new-bgp-peer",
                 json.dumps({"asn": 65000, "addressFamily": "ipv6"}))
    assert len(peered["virtualInterface"]["bgpPeers"]) == 2
    listed = cli("describe-virtual-interfaces", "--connection-id", connection)
    assert [v["virtualInterfaceId"] for v in listed["virtualInterfaces"]] == [interface_id]
    config = cli("describe-router-configuration", "--virtual-interface-id", interface_id,
                 "--router-type-identifier", "JuniperNetworksInc-MMXSeriesRouters-JunOS95")
    assert config["router"]["xsltTemplateNameForMacSec"] == "customer-router-juniper-generic-macsec.xslt"
    assert ckn in config["customerRouterConfig"] and cak not in config["customerRouterConfig"].lower()
    attachments = cli("describe-direct-connect-gateway-attachments", "--direct-connect-gateway-id", gateway)
    assert [a["attachmentState"] for a in attachments["directConnectGatewayAttachments"]] == ["attached"]
    assert cli("delete-virtual-interface", "--virtual-interface-id", interface_id) == {
        "virtualInterfaceState": "deleting"}
    w.dx.delete_direct_connect_gateway_association(associationId=association)
    cli("delete-connection", "--connection-id", connection)
    result = run_cli(server.url, w.account, tmp_path, "delete-virtual-interface", "--virtual-interface-id",
                     "dxvif-none0000")
    assert result.returncode != 0 and "does not exist" in result.stderr


@pytest.mark.parametrize("region", ["eu-west-1"])
def test_interfaces_are_regional(server, region):
    w = World(server)
    created = w.private(w.connection(), directConnectGatewayId=w.gateway())
    elsewhere = make_client(server.url, account=w.account, region=region)
    assert elsewhere.describe_virtual_interfaces(virtualInterfaceId=created["virtualInterfaceId"])[
        "virtualInterfaces"] == []
    assert created["region"] == "us-east-1"


def test_router_configurations_of_the_nine_types_with_macsec_where_it_exists(server):
    w = World(server)
    connection = w.connection()
    _, ckn, cak = dxhelpers.associate_key(w.dx, connection)
    created = w.private(connection, vlan=800, asn=65000, authKey="router-key-1",
                        directConnectGatewayId=w.gateway(asn=64999))
    w.dx.create_bgp_peer(virtualInterfaceId=created["virtualInterfaceId"],
                         newBGPPeer={"asn": 65000, "addressFamily": "ipv6"})
    interface_id = created["virtualInterfaceId"]
    types = {
        "CiscoSystemsInc-2900SeriesRouters-IOS124": ("Cisco Systems, Inc.", "2900 Series Routers", "IOS 12.4+",
                                                     "customer-router-cisco-generic.xslt", ""),
        "CiscoSystemsInc-3700SeriesRouters-IOS124": ("Cisco Systems, Inc.", "3700 Series Routers", "IOS 12.4+",
                                                     "customer-router-cisco-generic.xslt", ""),
        "CiscoSystemsInc-7200SeriesRouters-IOS124": ("Cisco Systems, Inc.", "7200 Series Routers", "IOS 12.4+",
                                                     "customer-router-cisco-generic.xslt", ""),
        "CiscoSystemsInc-Nexus7000SeriesSwitches-NXOS51": (
            "Cisco Systems, Inc.", "Nexus 7000 Series Switches", "NX-OS 5.1+",
            "customer-switch-cisco-nexus-generic.xslt", ""),
        "CiscoSystemsInc-Nexus9KSeriesSwitches-NXOS93": (
            "Cisco Systems, Inc.", "Nexus 9K+ Series Switches", "NX-OS 9.3+",
            "customer-switch-cisco-nexus-generic.xslt", "customer-switch-cisco-nexus-generic-macsec.xslt"),
        "JuniperNetworksInc-MMXSeriesRouters-JunOS95": (
            "Juniper Networks, Inc.", "M/MX Series Routers", "JunOS 9.5+", "customer-router-juniper-generic.xslt",
            "customer-router-juniper-generic-macsec.xslt"),
        "JuniperNetworksInc-SRXSeriesRouters-JunOS95": (
            "Juniper Networks, Inc.", "SRX Series Routers", "JunOS 9.5+", "customer-router-juniper-generic.xslt", ""),
        "JuniperNetworksInc-TSeriesRouters-JunOS95": (
            "Juniper Networks, Inc.", "T Series Routers", "JunOS 9.5+", "customer-router-juniper-generic.xslt", ""),
        "PaloAltoNetworks-PA3000and5000series-PANOS803": (
            "Palo Alto Networks", "PA-3000+ and 5000+ series", "PAN-OS 8.0.3+",
            "customer-router-palo-alto-generic.xslt", ""),
    }
    for identifier, (vendor, platform, software, template, macsec_template) in types.items():
        answer = w.dx.describe_router_configuration(virtualInterfaceId=interface_id,
                                                    routerTypeIdentifier=identifier)
        assert answer["router"] == {"vendor": vendor, "platform": platform, "software": software,
                                    "xsltTemplateName": template, "xsltTemplateNameForMacSec": macsec_template,
                                    "routerTypeIdentifier": identifier}
        assert (answer["virtualInterfaceId"], answer["virtualInterfaceName"]) == (
            interface_id, created["virtualInterfaceName"])
        text = answer["customerRouterConfig"]
        assert interface_id in text and "router-key-1" in text and "800" in text and "64999" in text
        assert "IPV4" in text and "IPV6" in text
        assert ("MACSEC" in text) == bool(macsec_template), identifier
        assert (ckn in text.lower()) == bool(macsec_template), identifier
        assert cak not in text.lower()
        if macsec_template:
            assert "<cak>" in text
    assert "neighbor %s remote-as 64999" % created["amazonAddress"].split("/")[0] in w.dx.describe_router_configuration(
        virtualInterfaceId=interface_id, routerTypeIdentifier="CiscoSystemsInc-2900SeriesRouters-IOS124")[
        "customerRouterConfig"]
    # Without a router type: the interface's XML and no router; an unknown type is a client error.
    plain = w.dx.describe_router_configuration(virtualInterfaceId=interface_id)
    assert "router" not in plain and plain["customerRouterConfig"] == w.interface(interface_id)["customerRouterConfig"]
    w.refused(lambda: w.dx.describe_router_configuration(virtualInterfaceId=interface_id,
                                                         routerTypeIdentifier="Acme-Router-1"), "Acme-Router-1")
    w.refused(lambda: w.dx.describe_router_configuration(virtualInterfaceId="dxvif-none0000"), "does not exist")


def test_a_router_configuration_has_no_macsec_section_without_keys(server):
    w = World(server)
    created = w.private(w.connection(), directConnectGatewayId=w.gateway())
    text = w.dx.describe_router_configuration(
        virtualInterfaceId=created["virtualInterfaceId"],
        routerTypeIdentifier="CiscoSystemsInc-Nexus9KSeriesSwitches-NXOS93")["customerRouterConfig"]
    assert "MACSEC" not in text and "macsec" not in text


def test_failover_tests_take_peers_down_until_stopped(server):
    w = World(server)
    created = w.private(w.connection(), directConnectGatewayId=w.gateway())
    interface_id = created["virtualInterfaceId"]
    peered = w.dx.create_bgp_peer(virtualInterfaceId=interface_id,
                                  newBGPPeer={"asn": 65000, "addressFamily": "ipv6"})["virtualInterface"]
    ipv4 = created["bgpPeers"][0]["bgpPeerId"]
    ipv6 = next(p["bgpPeerId"] for p in peered["bgpPeers"] if p["addressFamily"] == "ipv6")
    w.refused(lambda: w.dx.start_bgp_failover_test(virtualInterfaceId=interface_id, testDurationInMinutes=4321),
              "4320")
    w.refused(lambda: w.dx.start_bgp_failover_test(virtualInterfaceId=interface_id, bgpPeers=["dxpeer-none0000"]),
              "dxpeer-none0000")
    started = w.dx.start_bgp_failover_test(virtualInterfaceId=interface_id, bgpPeers=[ipv4])["virtualInterfaceTest"]
    assert UUID.match(started["testId"])
    assert started | {"testId": None, "startTime": None} == {
        "testId": None, "virtualInterfaceId": interface_id, "bgpPeers": [ipv4], "status": "in progress",
        "ownerAccount": w.account, "testDurationInMinutes": 180, "startTime": None}
    shown = w.interface(interface_id)
    assert shown["virtualInterfaceState"] == "testing"
    assert {p["bgpPeerId"]: p["bgpStatus"] for p in shown["bgpPeers"]} == {ipv4: "down", ipv6: "up"}
    w.refused(lambda: w.dx.start_bgp_failover_test(virtualInterfaceId=interface_id), "already running")
    stopped = w.dx.stop_bgp_failover_test(virtualInterfaceId=interface_id)["virtualInterfaceTest"]
    assert (stopped["testId"], stopped["status"]) == (started["testId"], "cancelled")
    assert stopped["endTime"] >= stopped["startTime"]
    shown = w.interface(interface_id)
    assert shown["virtualInterfaceState"] == "available"
    assert {p["bgpStatus"] for p in shown["bgpPeers"]} == {"up"}
    w.refused(lambda: w.dx.stop_bgp_failover_test(virtualInterfaceId=interface_id), "No failover test is running")
    second = w.dx.start_bgp_failover_test(virtualInterfaceId=interface_id, testDurationInMinutes=1)[
        "virtualInterfaceTest"]
    assert second["bgpPeers"] == sorted([ipv4, ipv6])
    history = w.dx.list_virtual_interface_test_history(virtualInterfaceId=interface_id)[
        "virtualInterfaceTestHistory"]
    assert {t["testId"]: t["status"] for t in history} == {started["testId"]: "cancelled",
                                                           second["testId"]: "in progress"}
    assert [t["testId"] for t in w.dx.list_virtual_interface_test_history(status="cancelled")[
        "virtualInterfaceTestHistory"]] == [started["testId"]]
    assert w.dx.list_virtual_interface_test_history(testId=second["testId"], bgpPeers=[ipv6])[
        "virtualInterfaceTestHistory"][0]["testId"] == second["testId"]
    # Another account sees none of it and cannot start one.
    other = World(server)
    assert other.dx.list_virtual_interface_test_history()["virtualInterfaceTestHistory"] == []
    other.refused(lambda: other.dx.start_bgp_failover_test(virtualInterfaceId=interface_id), "does not exist", w)


def test_a_failover_tests_peers_come_back_up_after_its_settle_time(server_factory):
    """SPEC 8: `--settle-time-failover-test` is the time a test's peers take to come back up once it ends, stopped or
    over (our choice); the interface reads `testing` and those peers `down` until then, and takes no new test."""
    # The settle time is long beside the requests' own time: the clock runs on while they are made (a loaded
    # machine took over a second between the stop and the first advance below).
    server = server_factory.start(extra_args=("--clock-control", "--settle-time-failover-test", "600"))
    w = World(server)
    interface_id = w.private(w.connection(), directConnectGatewayId=w.gateway())["virtualInterfaceId"]
    peered = w.dx.create_bgp_peer(virtualInterfaceId=interface_id,
                                  newBGPPeer={"asn": 65000, "addressFamily": "ipv6"})["virtualInterface"]
    ipv4 = next(p["bgpPeerId"] for p in peered["bgpPeers"] if p["addressFamily"] == "ipv4")
    ipv6 = next(p["bgpPeerId"] for p in peered["bgpPeers"] if p["addressFamily"] == "ipv6")

    def seen():
        shown = w.interface(interface_id)
        return shown["virtualInterfaceState"], {p["bgpPeerId"]: p["bgpStatus"] for p in shown["bgpPeers"]}

    first = w.dx.start_bgp_failover_test(virtualInterfaceId=interface_id, bgpPeers=[ipv4])["virtualInterfaceTest"]
    stopped = w.dx.stop_bgp_failover_test(virtualInterfaceId=interface_id)["virtualInterfaceTest"]
    assert stopped["status"] == "cancelled"
    assert seen() == ("testing", {ipv4: "down", ipv6: "up"})
    w.refused(lambda: w.dx.stop_bgp_failover_test(virtualInterfaceId=interface_id), "No failover test is running")
    w.refused(lambda: w.dx.start_bgp_failover_test(virtualInterfaceId=interface_id), "is testing")
    # Also while it reads `down` (the operator's bgp-down): the last test's peers are not back up.
    bgp = {"virtualInterfaceId": interface_id}
    for event in ("bgp-down", "bgp-up"):
        response = dxhelpers.raw_request(server.url, path="/_dxlocal/simulate", content_type="application/json",
                                         body=json.dumps({**bgp, "event": event}).encode())
        assert response.status == 200, response
        if event == "bgp-down":
            assert seen()[0] == "down"
            w.refused(lambda: w.dx.start_bgp_failover_test(virtualInterfaceId=interface_id), "not back up yet")
    dxhelpers.advance_clock(server, 590)
    assert seen() == ("testing", {ipv4: "down", ipv6: "up"})
    dxhelpers.advance_clock(server, 10)
    assert seen() == ("available", {ipv4: "up", ipv6: "up"})
    # A test that runs its course: `completed` at its end, the peers back 600 s later.
    second = w.dx.start_bgp_failover_test(virtualInterfaceId=interface_id, testDurationInMinutes=1)[
        "virtualInterfaceTest"]
    assert seen() == ("testing", {ipv4: "down", ipv6: "down"})
    dxhelpers.advance_clock(server, 60)
    history = {t["testId"]: t["status"] for t in w.dx.list_virtual_interface_test_history(
        virtualInterfaceId=interface_id)["virtualInterfaceTestHistory"]}
    assert history == {first["testId"]: "cancelled", second["testId"]: "completed"}
    assert seen() == ("testing", {ipv4: "down", ipv6: "down"})
    dxhelpers.advance_clock(server, 600)
    assert seen() == ("available", {ipv4: "up", ipv6: "up"})
    assert w.dx.start_bgp_failover_test(virtualInterfaceId=interface_id)["virtualInterfaceTest"]["status"] == \
        "in progress"


def test_a_down_interface_is_tested_once_at_a_time_and_its_deletion_ends_the_test(server):
    """SPEC 8: a second start while a test runs is refused, also on an interface that reads `down` (the operator's
    `bgp-down`), where the state never reads `testing`; a deletion ends the running test, `cancelled` (our choice);
    a deleted interface, still listed, takes no change (SPEC 10)."""
    w = World(server)
    created = w.private(w.connection(), directConnectGatewayId=w.gateway())
    interface_id = created["virtualInterfaceId"]
    peered = w.dx.create_bgp_peer(virtualInterfaceId=interface_id,
                                  newBGPPeer={"asn": 65000, "addressFamily": "ipv6"})["virtualInterface"]
    ipv6 = next(p["bgpPeerId"] for p in peered["bgpPeers"] if p["addressFamily"] == "ipv6")
    response = dxhelpers.raw_request(server.url, path="/_dxlocal/simulate", content_type="application/json",
                                     body=json.dumps({"virtualInterfaceId": interface_id, "event": "bgp-down"}).encode())
    assert response.status == 200, response
    assert w.interface(interface_id)["virtualInterfaceState"] == "down"
    first = w.dx.start_bgp_failover_test(virtualInterfaceId=interface_id)["virtualInterfaceTest"]
    w.refused(lambda: w.dx.start_bgp_failover_test(virtualInterfaceId=interface_id), "already running")

    def statuses():
        return {t["testId"]: t["status"] for t in w.dx.list_virtual_interface_test_history(
            virtualInterfaceId=interface_id)["virtualInterfaceTestHistory"]}

    assert statuses() == {first["testId"]: "in progress"}
    assert w.dx.delete_virtual_interface(virtualInterfaceId=interface_id)["virtualInterfaceState"] == "deleting"
    assert statuses() == {first["testId"]: "cancelled"}
    w.refused(lambda: w.dx.stop_bgp_failover_test(virtualInterfaceId=interface_id), "No failover test is running")
    peers = w.interface(interface_id)["bgpPeers"]
    w.refused(lambda: w.dx.delete_bgp_peer(virtualInterfaceId=interface_id, bgpPeerId=ipv6),
              "a BGP peer cannot be deleted now")
    assert w.interface(interface_id)["bgpPeers"] == peers


def test_automatic_peering_addresses_are_never_reused_in_an_account_and_region(server):
    """SPEC 7: an automatic /30 of 169.254.0.0/16 is never handed out twice in an account and region: not a block
    given by hand there, and not one of another account's pool (a hosted interface is its owner's)."""
    w, partner, other = World(server), World(server), World(server)

    def peering(interface: dict) -> str:
        return ipaddress.ip_interface(interface["amazonAddress"]).network.exploded

    connection, gateway = w.connection(), w.gateway()
    first_auto = peering(w.private(connection, vlan=101, directConnectGatewayId=gateway))
    w.private(connection, vlan=102, directConnectGatewayId=gateway)
    # Another account gives the first block by hand; its own first automatic one skips it.
    base = ipaddress.ip_network(first_auto).network_address
    by_hand = other.private(other.connection(), directConnectGatewayId=other.gateway(),
                            amazonAddress=f"{base + 1}/30", customerAddress=f"{base + 2}/30")
    assert peering(by_hand) == first_auto
    assert peering(other.private(other.connection(), vlan=102, directConnectGatewayId=other.gateway(asn=64601))) \
        != first_auto
    # A hosted interface of `w` on the partner's connection draws from `w`'s pool (its third block), not from the
    # partner's (whose second block `w` already holds).
    partner_connection = partner.connection()
    assert peering(partner.private(partner_connection, vlan=50, directConnectGatewayId=partner.gateway())) == first_auto
    partner.dx.allocate_private_virtual_interface(
        connectionId=partner_connection, ownerAccount=w.account, newPrivateVirtualInterfaceAllocation={
            "virtualInterfaceName": unique_name("hosted"), "vlan": 51, "asn": 65000})
    held = [peering(v) for v in w.dx.describe_virtual_interfaces()["virtualInterfaces"]
            if v["ownerAccount"] == w.account]
    assert len(held) == len(set(held)) == 3, held


@pytest.mark.parametrize("new, words", [
    ({"amazonAddress": "10.0.0.1/30", "customerAddress": "10.0.0.2/30"}, "amazonAddress 10.0.0.1/30"),
    ({"customerAddress": "169.254.7.2/30"}, "customerAddress 169.254.7.2/30"),
    ({"customerAddress": "192.168.0.2/30"}, "customerAddress 192.168.0.2/30"),
    ({"routeFilterPrefixes": [{"cidr": "198.51.100.0/24"}, {"cidr": "172.16.0.0/16"}]}, "172.16.0.0/16"),
    ({"routeFilterPrefixes": [{"cidr": "0.0.0.0/0"}]}, "0.0.0.0/0"),
    ({"routeFilterPrefixes": [{"cidr": "fd00:1::/48"}]}, "fd00:1::/48"),
])
def test_a_public_interface_peers_and_advertises_in_public_address_space(server, new, words):
    """Reference §3.1: a public interface's IPv4 peering addresses are the customer's public ones, and so are the
    prefixes it advertises (the documentation ranges stand in for them, as in every example)."""
    w = World(server)
    connection = w.connection()
    error = w.refused(lambda: w.public(connection, **new), words)
    assert "public" in error.response["Error"]["Message"], error


def test_a_public_interface_takes_a_new_peer_of_a_private_asn_or_one_on_its_allow_list(server):
    """Reference §3.2: a BGP peer added to a public interface has a private ASN or one already on its allow list."""
    w = World(server)
    created = w.public(w.connection(), asn=64496)
    interface_id = created["virtualInterfaceId"]
    w.refused(lambda: w.dx.create_bgp_peer(virtualInterfaceId=interface_id, newBGPPeer={
        "asn": 7018, "addressFamily": "ipv6"}), "ASN 7018")
    peers = w.dx.create_bgp_peer(virtualInterfaceId=interface_id, newBGPPeer={
        "asn": 64496, "addressFamily": "ipv6"})["virtualInterface"]["bgpPeers"]
    assert sorted(p["asn"] for p in peers) == [64496, 64496]
