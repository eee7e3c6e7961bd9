"""SPEC §4 and §6: the CAK never appears in a response body, in the server's output at
`--log-level trace`, or in any file under the data directory (searched as hex in both
cases, as raw bytes and as base64)."""

import pytest

from dxhelpers import (
    ServerFactory,
    associate_key,
    create_connection,
    create_lag,
    dxlocal_binary,
    files_containing,
    hex_needles,
    make_client,
    random_account,
    random_hex64,
    unique_name,
)

pytestmark = pytest.mark.slow


class Scenario:
    def __init__(self):
        self.bodies: list[bytes] = []
        self.caks: list[str] = []
        self.connection_ids: list[str] = []
        self.files_while_running: list[str] = []
        self.server = None
        self.data_dir = None


def _capture(bodies):
    def handler(http_response, **kwargs):
        bodies.append(http_response.content or b"")
    return handler


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """Exercise every path a CAK can take on a trace-logging, disk-backed server."""
    factory = ServerFactory(dxlocal_binary(), tmp_path_factory.mktemp("hygiene"))
    try:
        result = Scenario()
        data_dir = tmp_path_factory.mktemp("hygiene-data")
        result.data_dir = data_dir
        server = factory.start(data_dir=data_dir, log_level="trace")
        result.server = server
        account = random_account()
        client = make_client(server.url, account)
        client.meta.events.register("after-call", _capture(result.bodies))

        def new_cak(upper=False):
            cak = random_hex64(upper=upper)
            result.caks.append(cak)
            return cak

        connection_id = create_connection(client)
        result.connection_ids.append(connection_id)
        lag_id = create_lag(client, count=2)["lagId"]
        plain = create_connection(client, macsec=False)

        # Successful associations, lower- and upper-case.
        response, ckn, _ = associate_key(client, connection_id, cak=new_cak())
        secret_arn = response["macSecKeys"][0]["secretARN"]
        associate_key(client, lag_id, cak=new_cak(upper=True))
        # Refused associations that still carry a well-formed CAK.
        refusals = [
            dict(connectionId=connection_id, ckn=ckn, cak=new_cak()),                    # rule 9
            dict(connectionId=connection_id, ckn="zz" + random_hex64()[2:], cak=new_cak()),  # rule 3 (ckn)
            dict(connectionId="dxcon-none0000", ckn=random_hex64(), cak=new_cak()),      # rule 4
            dict(connectionId=plain, ckn=random_hex64(), cak=new_cak()),                 # rule 5
            dict(connectionId=connection_id, secretARN=secret_arn, cak=new_cak()),       # rule 2
            dict(connectionId=connection_id, cak=new_cak(upper=True)),                   # rule 2
        ]
        for kwargs in refusals:
            try:
                client.associate_mac_sec_key(**kwargs)
            except client.exceptions.DirectConnectClientException:
                pass
            else:
                raise AssertionError(f"associate {sorted(kwargs)} should have been refused")
        # Reads, a rotation through the secret, and a third key.
        client.describe_connections()
        client.describe_lags()
        client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn)
        client.associate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn)
        associate_key(client, connection_id, cak=new_cak())
        # A later, unrelated write still must not drag key material along.
        client.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName=unique_name())

        needles = [n for cak in result.caks for n in hex_needles(cak)]
        result.files_while_running = files_containing(data_dir, needles)
        assert server.stop() == 0
        yield result
    finally:
        factory.stop_all()


def test_cak_never_in_any_response_body(scenario):
    assert scenario.bodies, "no response captured"
    for body in scenario.bodies:
        for cak in scenario.caks:
            for needle in hex_needles(cak)[:2]:
                assert needle not in body, f"CAK leaked in a response body: {body[:300]!r}"
            assert cak.lower().encode() not in body.lower()


def test_cak_never_in_server_output_at_trace_level(scenario):
    output = scenario.server.output_bytes()
    assert len(output.splitlines()) > 2, "trace logging produced no lines; the search would prove nothing"
    for cak in scenario.caks:
        assert cak.lower().encode() not in output.lower(), "CAK leaked in the server's stdout/stderr"
        for needle in hex_needles(cak)[2:]:
            assert needle not in output


@pytest.mark.sqlite_only
def test_cak_never_in_the_data_directory(scenario):
    files = [p for p in scenario.data_dir.rglob("*") if p.is_file()]
    assert files, "the data directory is empty; the search would prove nothing"
    assert any(scenario.connection_ids[0].encode() in p.read_bytes() for p in files), \
        "state is not in the data directory"
    assert scenario.files_while_running == [], "CAK found on disk while the server was running"
    needles = [n for cak in scenario.caks for n in hex_needles(cak)]
    assert files_containing(scenario.data_dir, needles) == [], "CAK found on disk after shutdown"
    for path in files:
        lowered = path.read_bytes().lower()
        for cak in scenario.caks:
            assert cak.lower().encode() not in lowered, f"{path} holds a CAK"
