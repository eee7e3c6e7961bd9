"""SPEC 11: `GET /_dxlocal/metrics` answers Prometheus text (swift-metrics into swift-prometheus): requests by
service, operation and status code, their durations, the write path's queue wait, batch size and commit time,
resources by kind and the faults injected; one label set per name, every label value bounded, no key material."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from prometheus_client.parser import text_string_to_metric_families

import dxhelpers
from conftest import ServerFactory


@pytest.fixture(scope="module")
def metrics_server(dxlocal_bin, tmp_path_factory):
    """A server of this module's own, so that its counts are this module's requests only."""
    factory = ServerFactory(dxlocal_bin, tmp_path_factory.mktemp("metrics-servers"))
    yield factory.start()
    factory.stop_all()


def scrape(server, headers=None) -> dict:
    """Every sample by name, as Prometheus' own parser reads the text: {name: [(labels, value)]}."""
    response = dxhelpers.raw_request(server.url, method="GET", path="/_dxlocal/metrics", headers=headers,
                                     content_type=None)
    assert response.status == 200, response
    assert response.header("Content-Type").startswith("text/plain; version=0.0.4"), response
    samples: dict = {}
    for family in text_string_to_metric_families(response.body.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def value(samples: dict, name: str, **labels) -> float:
    matching = [v for found, v in samples.get(name, []) if all(found.get(k) == w for k, w in labels.items())]
    return sum(matching)


def test_requests_are_counted_by_service_operation_and_status(metrics_server):
    account = dxhelpers.random_account()
    dx = dxhelpers.make_client(metrics_server.url, account=account)
    sm = dxhelpers.make_sm_client(metrics_server.url, account=account)
    before = scrape(metrics_server)
    for _ in range(3):
        dx.describe_locations()
    with pytest.raises(ClientError):
        dx.describe_connections(connectionId="dxcon-fffffff0")
    sm.list_secrets()
    after = scrape(metrics_server)

    def delta(**labels):
        return value(after, "dxlocal_requests_total", **labels) - value(before, "dxlocal_requests_total", **labels)

    assert delta(service="directconnect", operation="DescribeLocations", status="200") == 3
    assert delta(service="directconnect", operation="DescribeConnections", status="400") == 1
    assert delta(service="secretsmanager", operation="ListSecrets", status="200") == 1
    durations = value(after, "dxlocal_request_duration_seconds_count", service="directconnect",
                      operation="DescribeLocations") - value(before, "dxlocal_request_duration_seconds_count",
                                                             service="directconnect", operation="DescribeLocations")
    assert durations == 3
    assert value(after, "dxlocal_request_duration_seconds_sum", service="directconnect",
                 operation="DescribeLocations") > 0


def test_ec2_actions_are_counted_by_their_action_and_made_up_ones_as_unknown(metrics_server):
    ec2 = dxhelpers._client("ec2", metrics_server.url, dxhelpers.random_account(), "us-east-1",
                            dxhelpers.boto_config())
    before = scrape(metrics_server)
    ec2.create_vpc(CidrBlock="10.0.0.0/16")
    with pytest.raises(ClientError):
        ec2.delete_vpc(VpcId="vpc-12345678")
    for index in range(3):
        dxhelpers.raw_request(metrics_server.url, body=f"Action=MadeUp{index}&Version=2016-11-15".encode(),
                              content_type="application/x-www-form-urlencoded")
    after = scrape(metrics_server)

    def delta(**labels):
        return value(after, "dxlocal_requests_total", **labels) - value(before, "dxlocal_requests_total", **labels)

    assert delta(service="ec2", operation="CreateVpc", status="200") == 1
    assert delta(service="ec2", operation="DeleteVpc", status="400") == 1
    assert delta(service="unknown", operation="unknown", status="400") == 3
    assert not any("MadeUp" in labels["operation"] for labels, _ in after["dxlocal_requests_total"])


def test_a_target_or_path_it_does_not_know_is_counted_as_unknown(metrics_server):
    for index in range(5):
        dxhelpers.raw_request(metrics_server.url, target=f"Made.Up{index}", body=b"{}")
        dxhelpers.raw_request(metrics_server.url, method="GET", path=f"/nowhere/{index}", content_type=None)
    samples = scrape(metrics_server)
    operations = {labels["operation"] for labels, _ in samples["dxlocal_requests_total"]}
    assert not any("Made" in operation or "nowhere" in operation for operation in operations), operations
    assert value(samples, "dxlocal_requests_total", service="unknown", operation="unknown") >= 5
    assert value(samples, "dxlocal_requests_total", service="dxlocal", operation="unknown", status="404") >= 5


def test_the_write_path_and_resources_are_measured(metrics_server):
    account = dxhelpers.random_account()
    dx = dxhelpers.make_client(metrics_server.url, account=account)
    before = scrape(metrics_server)
    connection = dx.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName="m",
                                      requestMACSec=True)["connectionId"]
    dx.create_lag(numberOfConnections=1, location="EqDC2", connectionsBandwidth="10Gbps", lagName="m")
    cak = dxhelpers.random_hex64()
    dx.associate_mac_sec_key(connectionId=connection, ckn=dxhelpers.random_hex64(), cak=cak)
    after = scrape(metrics_server)
    for name in ["dxlocal_store_queue_wait_seconds_count", "dxlocal_store_commit_seconds_count",
                 "dxlocal_store_batch_size_count"]:
        assert value(after, name) > value(before, name), name
        assert {tuple(sorted(labels)) for labels, _ in after[name]} == {("backend",)}
    backend = after["dxlocal_store_commit_seconds_count"][0][0]["backend"]
    assert backend in ("sqlite", "postgres")
    # A batch holds at least one write: the sizes' sum is at least their count.
    assert value(after, "dxlocal_store_batch_size_sum") >= value(after, "dxlocal_store_batch_size_count")
    kinds = {labels["kind"]: count for labels, count in after["dxlocal_resources"]}
    assert kinds["connection"] - {l["kind"]: c for l, c in before["dxlocal_resources"]}.get("connection", 0) == 2
    assert kinds["lag"] >= 1 and kinds["secret"] >= 1, kinds
    text = dxhelpers.raw_request(metrics_server.url, method="GET", path="/_dxlocal/metrics",
                                 content_type=None).body
    for needle in dxhelpers.hex_needles(cak):
        assert needle not in text


def test_every_name_has_one_label_set(metrics_server):
    dxhelpers.make_client(metrics_server.url).describe_locations()
    samples = scrape(metrics_server)
    for name, found in samples.items():
        label_sets = {tuple(sorted(k for k in labels if k != "le")) for labels, _ in found}
        assert len(label_sets) == 1, (name, label_sets)


def test_injected_faults_are_counted(metrics_server):
    rule = [{"operation": "DescribeLags", "error": {"code": "ThrottlingException"}}]
    dxhelpers.raw_request(metrics_server.url, path="/_dxlocal/faults", body=json.dumps(rule),
                          content_type="application/json")
    try:
        before = value(scrape(metrics_server), "dxlocal_faults_injected_total", operation="DescribeLags")
        with pytest.raises(ClientError):
            dxhelpers.make_client(metrics_server.url).describe_lags()
        after = value(scrape(metrics_server), "dxlocal_faults_injected_total", operation="DescribeLags")
        assert after - before == 1
    finally:
        dxhelpers.raw_request(metrics_server.url, method="DELETE", path="/_dxlocal/faults", content_type=None)


def test_with_sigv4_only_a_caller_from_the_credentials_file_may_read_metrics(server_factory, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text("AKIDMETRICS metrics-secret 567890123456\n")
    server = server_factory.start(extra_args=("--auth", "sigv4", "--credentials-file", str(credentials)))
    response = dxhelpers.raw_request(server.url, method="GET", path="/_dxlocal/metrics", content_type=None)
    dxhelpers.assert_aws_error(response, 403, "MissingAuthenticationTokenException")
