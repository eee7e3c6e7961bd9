"""Hosted connections, the partner flow, letters of authorization and customer metadata (issue 22; SPEC 7-9,
reference §§2, 3.6, 3.7, 3.10, 4) through boto3 and the AWS CLI, with two accounts on one endpoint: a partner that
allocates on its interconnect or LAG, and a customer that confirms and builds a private virtual interface on the
hosted connection. Each side sees what the reference says it sees; a refused request changes nothing on either
side; the LOA is a PDF that poppler's `pdftotext` reads back."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from datetime import datetime, timezone

import dxhelpers
from dxhelpers import expect_error, make_client, make_sm_client, random_account, run_cli, unique_name, wait_until

CONNECTION_ID = re.compile(r"^dxcon-[a-z0-9]{8}$")
HOSTED_MEMBERS = {
    "ownerAccount", "connectionId", "connectionName", "connectionState", "region", "location", "bandwidth", "vlan",
    "partnerName", "awsDevice", "jumboFrameCapable", "awsDeviceV2", "awsLogicalDeviceId", "hasLogicalRedundancy",
    "tags", "macSecCapable", "portEncryptionStatus", "encryptionMode", "macSecKeys",
    "partnerInterconnectMacSecCapable",
}


class Side:
    """One account's clients on the server."""

    def __init__(self, server, account=None):
        self.account = account or random_account()
        self.dx = make_client(server.url, account=self.account)
        self.sm = make_sm_client(server.url, account=self.account)

    def snapshot(self) -> dict:
        hosted = {}
        for interconnect in self.dx.describe_interconnects()["interconnects"]:
            hosted[interconnect["interconnectId"]] = self.dx.describe_hosted_connections(
                connectionId=interconnect["interconnectId"])["connections"]
        for lag in self.dx.describe_lags()["lags"]:
            hosted[lag["lagId"]] = self.dx.describe_hosted_connections(connectionId=lag["lagId"])["connections"]
        return dxhelpers.account_snapshot(self.dx, self.sm) | {"hosted": hosted}


def interconnect(side: Side, bandwidth="10Gbps", location="EqDC2") -> str:
    return side.dx.create_interconnect(interconnectName=unique_name("nni"), bandwidth=bandwidth, location=location,
                                       providerName="Example Networks")["interconnectId"]


def allocate(partner: Side, customer: Side, parent: str, vlan=101, bandwidth="500Mbps", **extra) -> dict:
    reply = partner.dx.allocate_hosted_connection(connectionId=parent, ownerAccount=customer.account,
                                                  bandwidth=bandwidth, connectionName=unique_name("hosted"), vlan=vlan,
                                                  **extra)
    reply.pop("ResponseMetadata")
    return reply


def refused(call, contains, *sides):
    before = [side.snapshot() for side in sides]
    error = expect_error(call, contains=(contains,))
    assert [side.snapshot() for side in sides] == before
    return error


def private_interface(customer: Side, connection: str, vlan: int, gateway: str) -> dict:
    return customer.dx.create_private_virtual_interface(connectionId=connection, newPrivateVirtualInterface={
        "virtualInterfaceName": unique_name("vif"), "vlan": vlan, "asn": 65000, "directConnectGatewayId": gateway})


def test_a_partner_and_a_customer_take_a_hosted_connection_to_a_working_private_interface(server):
    partner, customer = Side(server), Side(server)
    parent = interconnect(partner)
    allocated = allocate(partner, customer, parent, tags=[{"key": "order", "value": "42"}])
    hosted = allocated["connectionId"]
    assert CONNECTION_ID.match(hosted)
    assert set(allocated) == HOSTED_MEMBERS
    assert allocated | {"connectionId": None, "connectionName": None, "awsDevice": None, "awsDeviceV2": None,
                        "awsLogicalDeviceId": None} == {
        "ownerAccount": customer.account, "connectionId": None, "connectionName": None, "connectionState": "ordering",
        "region": "us-east-1", "location": "EqDC2", "bandwidth": "500Mbps", "vlan": 101,
        "partnerName": "Example Networks", "awsDevice": None, "jumboFrameCapable": True, "awsDeviceV2": None,
        "awsLogicalDeviceId": None, "hasLogicalRedundancy": "no", "tags": [{"key": "order", "value": "42"}],
        "macSecCapable": False, "portEncryptionStatus": "Encryption Down", "encryptionMode": "no_encrypt",
        "macSecKeys": [], "partnerInterconnectMacSecCapable": False,
    }
    (parent_shown,) = partner.dx.describe_interconnects(interconnectId=parent)["interconnects"]
    assert allocated["awsDeviceV2"] == parent_shown["awsDeviceV2"]

    # The customer owns it: among its connections, with its tags; the partner sees it on its interconnect only.
    assert [c["connectionId"] for c in customer.dx.describe_connections()["connections"]] == [hosted]
    assert dxhelpers.describe_connection(customer.dx, hosted)["partnerName"] == "Example Networks"
    arn = f"arn:aws:directconnect:us-east-1:{customer.account}:dxcon/{hosted}"
    assert customer.dx.describe_tags(resourceArns=[arn])["resourceTags"][0]["tags"] == [{"key": "order",
                                                                                         "value": "42"}]
    listed = partner.dx.describe_hosted_connections(connectionId=parent)["connections"]
    assert [c["connectionId"] for c in listed] == [hosted] and listed[0]["ownerAccount"] == customer.account
    assert partner.dx.describe_connections_on_interconnect(interconnectId=parent)["connections"] == listed
    assert partner.dx.describe_connections()["connections"] == []
    expect_error(lambda: partner.dx.describe_connections(connectionId=hosted),
                 contains=("Could not find Connection with ID",))
    expect_error(lambda: partner.dx.describe_hosted_connections(connectionId=hosted),
                 contains=(f"{partner.account} DescribeHostedConnections failed for connection", "doesn't exist."))
    expect_error(lambda: customer.dx.describe_hosted_connections(connectionId=parent),
                 contains=("Could not find Connection with ID",))

    gateway = customer.dx.create_direct_connect_gateway(directConnectGatewayName=unique_name("gw"),
                                                        amazonSideAsn=64999)["directConnectGateway"][
        "directConnectGatewayId"]
    refused(lambda: private_interface(customer, hosted, 101, gateway), "confirm the hosted connection", customer,
            partner)
    refused(lambda: partner.dx.confirm_connection(connectionId=hosted), "Could not find Connection with ID",
            customer, partner)
    assert customer.dx.confirm_connection(connectionId=hosted)["connectionState"] == "pending"
    wait_until(lambda: dxhelpers.describe_connection(customer.dx, hosted)["connectionState"] == "available",
               description="the confirmed hosted connection available")
    refused(lambda: customer.dx.confirm_connection(connectionId=hosted), "not ordering", customer, partner)

    refused(lambda: private_interface(customer, hosted, 102, gateway), "use 101", customer, partner)
    interface = private_interface(customer, hosted, 101, gateway)
    assert (interface["connectionId"], interface["vlan"], interface["ownerAccount"]) == (hosted, 101,
                                                                                        customer.account)
    wait_until(lambda: customer.dx.describe_virtual_interfaces(virtualInterfaceId=interface["virtualInterfaceId"])[
        "virtualInterfaces"][0]["virtualInterfaceState"] == "available", description="the interface available")
    assert partner.dx.describe_virtual_interfaces()["virtualInterfaces"] == []
    refused(lambda: private_interface(customer, hosted, 101, gateway), "already has a virtual interface", customer,
            partner)
    refused(lambda: partner.dx.delete_connection(connectionId=hosted), "until its Virtual Interfaces are deleted",
            customer, partner)
    refused(lambda: partner.dx.delete_interconnect(interconnectId=parent),
            "until its hosted connections are deleted", customer, partner)

    customer.dx.delete_virtual_interface(virtualInterfaceId=interface["virtualInterfaceId"])
    deleted = partner.dx.delete_connection(connectionId=hosted)
    assert (deleted["connectionState"], deleted["ownerAccount"]) == ("deleted", customer.account)
    assert customer.dx.describe_connections()["connections"] == []
    assert partner.dx.describe_hosted_connections(connectionId=parent)["connections"] == []
    partner.dx.delete_interconnect(interconnectId=parent)


def test_the_customer_refusing_an_order_rejects_it_for_both(server):
    partner, customer = Side(server), Side(server)
    parent = interconnect(partner)
    hosted = allocate(partner, customer, parent)["connectionId"]
    assert customer.dx.delete_connection(connectionId=hosted)["connectionState"] == "rejected"
    assert partner.dx.describe_hosted_connections(connectionId=parent)["connections"] == []
    assert customer.dx.describe_connections()["connections"] == []


def test_allocation_rules_refuse_with_their_texts_and_change_nothing(server):
    partner, customer = Side(server), Side(server)
    parent = interconnect(partner, bandwidth="1Gbps", location="CSNY1")
    allocate(partner, customer, parent, vlan=7)

    def attempt(**overrides):
        arguments = {"connectionId": parent, "ownerAccount": customer.account, "bandwidth": "500Mbps",
                     "connectionName": "again", "vlan": 8} | overrides
        return lambda: partner.dx.allocate_hosted_connection(**arguments)

    refused(attempt(vlan=7), "Vlan 7 is already in use", partner, customer)
    refused(attempt(bandwidth="2Gbps"), f"more than the 1Gbps of {parent}", partner, customer)
    refused(attempt(bandwidth="3Gbps"), "is not a hosted connection bandwidth", partner, customer)
    refused(attempt(ownerAccount="12345"), "is not a valid account ID", partner, customer)
    refused(attempt(connectionId="dxcon-zzzz9999"), "Could not find Connection with ID", partner, customer)
    refused(attempt(connectionId="dxlag-zzzz9999"), "Could not find Lag with ID", partner, customer)
    dedicated = dxhelpers.create_connection(partner.dx, macsec=False)
    refused(attempt(connectionId=dedicated), "is not an interconnect", partner, customer)
    expect_error(lambda: partner.dx.describe_hosted_connections(connectionId=dedicated),
                 contains=("DescribeHostedConnections failed for connection",))
    expect_error(lambda: partner.dx.describe_connections_on_interconnect(interconnectId=dedicated),
                 contains=("Could not find Interconnect with ID",))


def test_the_partner_moves_a_hosted_connection_and_its_interface_to_a_lag(server):
    partner, customer = Side(server), Side(server)
    parent = interconnect(partner)
    hosted = allocate(partner, customer, parent, vlan=300)["connectionId"]
    customer.dx.confirm_connection(connectionId=hosted)
    gateway = customer.dx.create_direct_connect_gateway(directConnectGatewayName=unique_name("gw"),
                                                        amazonSideAsn=64998)["directConnectGateway"][
        "directConnectGatewayId"]
    interface = private_interface(customer, hosted, 300, gateway)["virtualInterfaceId"]
    lag = dxhelpers.create_lag(partner.dx, count=1, macsec=False)["lagId"]
    moved = partner.dx.associate_hosted_connection(connectionId=hosted, parentConnectionId=lag)
    (lag_shown,) = partner.dx.describe_lags(lagId=lag)["lags"]
    assert (moved["lagId"], moved["connectionState"], moved["awsDeviceV2"]) == (lag, "available",
                                                                              lag_shown["awsDeviceV2"])
    assert [c["connectionId"] for c in partner.dx.describe_hosted_connections(connectionId=lag)["connections"]] == [
        hosted]
    shown = customer.dx.describe_virtual_interfaces(virtualInterfaceId=interface)["virtualInterfaces"][0]
    assert shown["awsDeviceV2"] == lag_shown["awsDeviceV2"] and shown["connectionId"] == hosted
    other = allocate(partner, customer, parent, vlan=300)["connectionId"]
    refused(lambda: partner.dx.associate_hosted_connection(connectionId=other, parentConnectionId=lag),
            "Vlan 300 is already in use", partner, customer)
    refused(lambda: customer.dx.associate_hosted_connection(connectionId=other, parentConnectionId=lag),
            "Could not find", partner, customer)


def test_the_deprecated_partner_calls_work_on_interconnects(server):
    partner, customer = Side(server), Side(server)
    parent = interconnect(partner)
    allocated = partner.dx.allocate_connection_on_interconnect(
        interconnectId=parent, ownerAccount=customer.account, bandwidth="1Gbps", connectionName="legacy", vlan=55)
    assert (allocated["connectionState"], allocated["vlan"], allocated["bandwidth"]) == ("ordering", 55, "1Gbps")
    listed = partner.dx.describe_connections_on_interconnect(interconnectId=parent)["connections"]
    assert [c["connectionId"] for c in listed] == [allocated["connectionId"]]
    lag = dxhelpers.create_lag(partner.dx, count=1, macsec=False)["lagId"]
    expect_error(lambda: partner.dx.allocate_connection_on_interconnect(
        interconnectId=lag, ownerAccount=customer.account, bandwidth="1Gbps", connectionName="x", vlan=56),
        contains=("Could not find Interconnect with ID",))


def pdf_text(content: bytes, tmp_path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext (Debian's poppler-utils) is needed: scripts/test installs it"
    path = tmp_path / "loa.pdf"
    path.write_bytes(content)
    result = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, text=True, timeout=30,
                            check=True)
    return result.stdout


def test_a_letter_of_authorization_is_a_pdf_naming_the_port(server, tmp_path):
    side = Side(server)
    connection = dxhelpers.create_connection(side.dx, location="EqDC2", providerName="Own Carrier")
    assert "loaIssueTime" not in dxhelpers.describe_connection(side.dx, connection)
    before = datetime.now(timezone.utc).replace(microsecond=0)
    loa = side.dx.describe_loa(connectionId=connection, providerName="Carrier (Ltd) \\ Partners",
                               loaContentType="application/pdf")
    assert loa["loaContentType"] == "application/pdf"
    assert loa["loaContent"].startswith(b"%PDF-1.4")
    text = pdf_text(loa["loaContent"], tmp_path)
    for expected in (connection, "EqDC2", "Equinix", "Carrier (Ltd) \\ Partners", "10Gbps", side.account,
                     "us-east-1"):
        assert expected in text, f"{expected!r} not in the LOA's text:\n{text}"
    issued = dxhelpers.describe_connection(side.dx, connection)["loaIssueTime"]
    assert before <= issued <= datetime.now(timezone.utc)
    # Without a provider given, the connection's own is named.
    nested = side.dx.describe_connection_loa(connectionId=connection)["loa"]
    assert "Own Carrier" in pdf_text(nested["loaContent"], tmp_path)

    nni = interconnect(side)
    text = pdf_text(side.dx.describe_interconnect_loa(interconnectId=nni)["loa"]["loaContent"], tmp_path)
    assert f"Interconnect ID: {nni}" in text and "Example Networks" in text
    assert "loaIssueTime" in side.dx.describe_interconnects(interconnectId=nni)["interconnects"][0]
    lag = dxhelpers.create_lag(side.dx, count=1)["lagId"]
    assert f"LAG ID: {lag}" in pdf_text(side.dx.describe_loa(connectionId=lag)["loaContent"], tmp_path)
    expect_error(lambda: side.dx.describe_interconnect_loa(interconnectId=connection),
                 contains=("Could not find Interconnect with ID",))
    expect_error(lambda: side.dx.describe_loa(connectionId="dxcon-zzzz9999"),
                 contains=("Could not find Connection with ID",))
    customer = Side(server)
    hosted = allocate(side, customer, nni)["connectionId"]
    expect_error(lambda: customer.dx.describe_loa(connectionId=hosted), contains=("is a hosted connection",))


def test_customer_metadata_defaults_to_a_non_partner_and_lists_signed_agreements(server):
    side = Side(server)
    assert dxhelpers._without_metadata(side.dx.describe_customer_metadata()) == {"agreements": [],
                                                                                 "nniPartnerType": "nonPartner"}
    assert side.dx.confirm_customer_agreement(agreementName="dx-terms-2026")["status"] == "signed"
    west = make_client(server.url, account=side.account, region="us-west-2")
    assert west.describe_customer_metadata()["agreements"] == [{"agreementName": "dx-terms-2026",
                                                                "status": "signed"}]
    expect_error(lambda: side.dx.confirm_customer_agreement(agreementName="x" * 101), contains=("agreementName",))


def test_a_seeded_partner_type_gates_bandwidths_and_names_the_partner(server_factory, tmp_path):
    partner, customer = "210987654321", "123456789012"
    seed = {"accounts": {partner: {
        "customerMetadata": {"nniPartnerType": "v1", "partnerName": "Seeded Networks",
                             "agreements": [{"agreementName": "nni-terms", "status": "unsigned"}]},
        "us-east-1": {"interconnects": [{"interconnectId": "dxcon-seedn001", "interconnectName": "nni",
                                         "location": "EqDC2", "bandwidth": "10Gbps"}]}}}}
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    server = dxhelpers.own_store_server(server_factory, extra_args=("--seed", str(path)))
    dx = make_client(server.url, account=partner)
    assert dxhelpers._without_metadata(dx.describe_customer_metadata()) == {
        "agreements": [{"agreementName": "nni-terms", "status": "unsigned"}], "nniPartnerType": "v1"}
    expect_error(lambda: dx.allocate_hosted_connection(connectionId="dxcon-seedn001", ownerAccount=customer,
                                                       bandwidth="1Gbps", connectionName="big", vlan=9),
                 contains=("A v1 partner cannot allocate 1Gbps",))
    allocated = dx.allocate_hosted_connection(connectionId="dxcon-seedn001", ownerAccount=customer,
                                              bandwidth="200Mbps", connectionName="small", vlan=9)
    assert allocated["partnerName"] == "Seeded Networks"
    dx.confirm_customer_agreement(agreementName="nni-terms")
    assert dx.describe_customer_metadata()["agreements"] == [{"agreementName": "nni-terms", "status": "signed"}]


def test_the_aws_cli_takes_a_hosted_connection_from_allocation_to_a_private_interface(server, tmp_path):
    partner, customer = Side(server), Side(server)
    parent = interconnect(partner)

    def cli(side, *args):
        result = run_cli(server.url, side.account, tmp_path, *args)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else {}

    allocated = cli(partner, "allocate-hosted-connection", "--connection-id", parent, "--owner-account",
                    customer.account, "--bandwidth", "200Mbps", "--connection-name", "cli-hosted", "--vlan", "808")
    hosted = allocated["connectionId"]
    assert (allocated["connectionState"], allocated["ownerAccount"]) == ("ordering", customer.account)
    listed = cli(partner, "describe-hosted-connections", "--connection-id", parent)["connections"]
    assert [c["connectionId"] for c in listed] == [hosted]
    assert cli(customer, "confirm-connection", "--connection-id", hosted) == {"connectionState": "pending"}
    gateway = cli(customer, "create-direct-connect-gateway", "--direct-connect-gateway-name", "cli-gw",
                  "--amazon-side-asn", "64990")["directConnectGateway"]["directConnectGatewayId"]
    interface = cli(customer, "create-private-virtual-interface", "--connection-id", hosted,
                    "--new-private-virtual-interface",
                    json.dumps({"virtualInterfaceName": "cli-vif", "vlan": 808, "asn": 65100,
                                "directConnectGatewayId": gateway}))
    assert (interface["connectionId"], interface["vlan"]) == (hosted, 808)
    loa = cli(customer, "describe-loa", "--connection-id", dxhelpers.create_connection(customer.dx, macsec=False))
    assert base64.b64decode(loa["loaContent"]).startswith(b"%PDF-")
    assert cli(customer, "describe-customer-metadata")["nniPartnerType"] == "nonPartner"
    failed = run_cli(server.url, partner.account, tmp_path, "describe-hosted-connections", "--connection-id", hosted)
    assert failed.returncode != 0 and "DescribeHostedConnections failed for connection" in failed.stderr


def test_terraforms_hosted_connection_and_confirmation_call_sequences(server):
    """What `aws_dx_hosted_connection` (the partner's) and `aws_dx_connection_confirmation` (the customer's) call and
    wait for (reference §5), replayed with boto3: every state read is in the waiter's pending or target list."""
    partner, customer = Side(server), Side(server)
    parent = interconnect(partner)
    hosted = allocate(partner, customer, parent)["connectionId"]

    def read():
        """The provider's read since PR #43504: the parent's list, filtered on the child's ID; gone when absent or
        when the parent is gone (`Could not find Connection with ID`)."""
        try:
            listed = partner.dx.describe_hosted_connections(connectionId=parent)["connections"]
        except partner.dx.exceptions.DirectConnectClientException as error:
            assert "Could not find Connection with ID" in str(error)
            return None
        matching = [c for c in listed if c["connectionId"] == hosted]
        return matching[0] if matching else None

    assert read()["connectionState"] == "ordering"
    # aws_dx_connection_confirmation: ConfirmConnection, then DescribeConnections until `available`.
    customer.dx.confirm_connection(connectionId=hosted)
    seen = set()

    def confirmed():
        state = dxhelpers.describe_connection(customer.dx, hosted)["connectionState"]
        seen.add(state)
        return state == "available"

    wait_until(confirmed, description="the confirmation's waiter")
    assert seen <= {"pending", "ordering", "requested", "available"}
    # aws_dx_hosted_connection's delete: DeleteConnection, then reads until gone, `deleted` or `rejected`.
    deleted = partner.dx.delete_connection(connectionId=hosted)["connectionState"]
    assert deleted in {"pending", "ordering", "available", "requested", "deleting", "deleted", "rejected"}
    wait_until(lambda: read() is None, description="the hosted connection gone")
    partner.dx.delete_interconnect(interconnectId=parent)
    assert read() is None
