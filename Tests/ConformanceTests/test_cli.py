"""The AWS CLI (v1, `python -m awscli`) against dxlocal: associate, describe, disassociate."""

import json

from dxhelpers import (
    create_connection,
    random_hex64,
    run_cli,
    secret_arn_pattern,
)


def _ok(result):
    assert result.returncode == 0, f"aws cli failed ({result.returncode}):\n{result.stderr}"
    return json.loads(result.stdout)


def test_cli_associate_describe_disassociate(server, client, account, tmp_path):
    connection_id = create_connection(client)
    ckn, cak = random_hex64(), random_hex64()

    associated = _ok(run_cli(server.url, account, tmp_path, "associate-mac-sec-key",
                             "--connection-id", connection_id, "--ckn", ckn, "--cak", cak))
    assert associated["connectionId"] == connection_id
    (key,) = associated["macSecKeys"]
    assert key["ckn"].lower() == ckn
    assert secret_arn_pattern("us-east-1", account, ckn).match(key["secretARN"])

    described = _ok(run_cli(server.url, account, tmp_path, "describe-connections", "--connection-id", connection_id))
    (connection,) = described["connections"]
    assert connection["macSecCapable"] is True
    assert [k["ckn"].lower() for k in connection["macSecKeys"]] == [ckn]
    assert connection["macSecKeys"][0]["state"] == "associated"
    assert cak not in json.dumps(described).lower()

    removed = _ok(run_cli(server.url, account, tmp_path, "disassociate-mac-sec-key",
                          "--connection-id", connection_id, "--secret-arn", key["secretARN"]))
    assert removed["connectionId"] == connection_id
    assert [k["state"] for k in removed["macSecKeys"] if k["secretARN"] == key["secretARN"]] == ["disassociating"]

    after = _ok(run_cli(server.url, account, tmp_path, "describe-connections", "--connection-id", connection_id))
    assert after["connections"][0].get("macSecKeys", []) == []


def test_cli_associate_by_secret_arn(server, client, account, tmp_path):
    first = create_connection(client)
    second = create_connection(client)
    ckn = random_hex64()
    key = client.associate_mac_sec_key(connectionId=first, ckn=ckn, cak=random_hex64())["macSecKeys"][0]
    associated = _ok(run_cli(server.url, account, tmp_path, "associate-mac-sec-key",
                             "--connection-id", second, "--secret-arn", key["secretARN"]))
    assert associated["macSecKeys"][-1]["secretARN"] == key["secretARN"]
    assert associated["macSecKeys"][-1]["ckn"].lower() == ckn


def test_cli_describe_connections_lists_the_account(server, client, account, tmp_path):
    ids = {create_connection(client, macsec=False) for _ in range(2)}
    listed = _ok(run_cli(server.url, account, tmp_path, "describe-connections"))
    assert {c["connectionId"] for c in listed["connections"]} == ids


def test_cli_reports_not_found_with_the_error_code(server, account, tmp_path):
    result = run_cli(server.url, account, tmp_path, "associate-mac-sec-key",
                     "--connection-id", "dxcon-none0000", "--ckn", random_hex64(), "--cak", random_hex64())
    assert result.returncode != 0
    assert "DirectConnectClientException" in result.stderr
    assert "Could not find Connection with ID dxcon-none0000" in result.stderr


def test_cli_uses_the_region_of_the_command(server, account, tmp_path):
    west = _ok(run_cli(server.url, account, tmp_path, "describe-locations", region="us-west-2"))
    assert {loc["locationCode"] for loc in west["locations"]} == {"EqSe2"}
