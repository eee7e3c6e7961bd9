"""The AWS CLI (v1, `python -m awscli secretsmanager ...`) against dxlocal's Secrets Manager (SPEC §6).

Same conventions as test_cli.py: a fresh account per test, no real AWS configuration, the
endpoint and region on every command; errors are read from the CLI's exit code and stderr.
"""

from __future__ import annotations

import base64
import json
import secrets

import pytest

from dxhelpers import (
    OWNING_SERVICE_TAG,
    associate_key,
    create_connection,
    random_account,
    run_service_cli,
    unique_name,
)


def _sm(server, account, tmp_path, *args, region="us-east-1"):
    return run_service_cli("secretsmanager", server.url, account, tmp_path, *args, region=region)


def _ok(result):
    assert result.returncode == 0, f"aws cli failed ({result.returncode}):\n{result.stderr}"
    return json.loads(result.stdout) if result.stdout.strip() else {}


def _fails(result, code: str) -> str:
    assert result.returncode != 0, f"aws cli should have failed with {code}:\n{result.stdout}"
    assert code in result.stderr, f"expected {code} in stderr:\n{result.stderr}"
    return result.stderr


def _value() -> str:
    return "cli-" + secrets.token_hex(16)


def test_cli_create_get_put_and_stages(server, account, tmp_path):
    name, first, second = unique_name("cli/app"), _value(), _value()
    created = _ok(_sm(server, account, tmp_path, "create-secret", "--name", name, "--secret-string", first,
                      "--description", "made by the cli"))
    assert created["Name"] == name
    assert created["ARN"].startswith(f"arn:aws:secretsmanager:us-east-1:{account}:secret:{name}-")

    got = _ok(_sm(server, account, tmp_path, "get-secret-value", "--secret-id", name))
    assert got["SecretString"] == first
    assert got["VersionStages"] == ["AWSCURRENT"]

    put = _ok(_sm(server, account, tmp_path, "put-secret-value", "--secret-id", created["ARN"],
                  "--secret-string", second))
    assert put["VersionStages"] == ["AWSCURRENT"]
    current = _ok(_sm(server, account, tmp_path, "get-secret-value", "--secret-id", created["ARN"][:-7]))
    assert (current["SecretString"], current["VersionId"]) == (second, put["VersionId"])
    previous = _ok(_sm(server, account, tmp_path, "get-secret-value", "--secret-id", name,
                       "--version-stage", "AWSPREVIOUS"))
    assert (previous["SecretString"], previous["VersionId"]) == (first, created["VersionId"])
    by_id = _ok(_sm(server, account, tmp_path, "get-secret-value", "--secret-id", name,
                    "--version-id", created["VersionId"]))
    assert by_id["SecretString"] == first

    described = _ok(_sm(server, account, tmp_path, "describe-secret", "--secret-id", name))
    assert described["Description"] == "made by the cli"
    assert described["VersionIdsToStages"] == {created["VersionId"]: ["AWSPREVIOUS"],
                                               put["VersionId"]: ["AWSCURRENT"]}
    text = json.dumps(described)
    assert first not in text and second not in text


def test_cli_binary_secret(server, account, tmp_path):
    blob = bytes(range(256)) + secrets.token_bytes(16)
    path = tmp_path / "secret.bin"
    path.write_bytes(blob)
    name = unique_name("cli-bin")
    _ok(_sm(server, account, tmp_path, "create-secret", "--name", name, "--secret-binary", f"fileb://{path}"))
    got = _ok(_sm(server, account, tmp_path, "get-secret-value", "--secret-id", name))
    assert base64.b64decode(got["SecretBinary"]) == blob
    assert "SecretString" not in got


def test_cli_update_secret_and_tags(server, account, tmp_path):
    name = unique_name("cli-upd")
    created = _ok(_sm(server, account, tmp_path, "create-secret", "--name", name, "--secret-string", _value(),
                      "--tags", "Key=env,Value=dev"))
    updated = _ok(_sm(server, account, tmp_path, "update-secret", "--secret-id", name, "--description", "new words"))
    assert "VersionId" not in updated
    value = _value()
    updated = _ok(_sm(server, account, tmp_path, "update-secret", "--secret-id", name, "--secret-string", value))
    assert updated["VersionId"] != created["VersionId"]
    assert _ok(_sm(server, account, tmp_path, "get-secret-value", "--secret-id", name))["SecretString"] == value

    _ok(_sm(server, account, tmp_path, "tag-resource", "--secret-id", name,
            "--tags", "Key=team,Value=net", "Key=env,Value=prod"))
    described = _ok(_sm(server, account, tmp_path, "describe-secret", "--secret-id", name))
    assert described["Description"] == "new words"
    assert {t["Key"]: t["Value"] for t in described["Tags"]} == {"env": "prod", "team": "net"}
    _ok(_sm(server, account, tmp_path, "untag-resource", "--secret-id", name, "--tag-keys", "env"))
    described = _ok(_sm(server, account, tmp_path, "describe-secret", "--secret-id", name))
    assert {t["Key"]: t["Value"] for t in described["Tags"]} == {"team": "net"}

    _fails(_sm(server, account, tmp_path, "tag-resource", "--secret-id", name, "--tags", "Key=aws:x,Value=y"),
           "InvalidParameterException")
    described_after = _ok(_sm(server, account, tmp_path, "describe-secret", "--secret-id", name))
    assert described_after["Tags"] == described["Tags"]


def test_cli_list_secrets_with_filters(server, account, tmp_path):
    for name in ("svc/one", "svc/two", "other/three"):
        _ok(_sm(server, account, tmp_path, "create-secret", "--name", name, "--secret-string", _value()))
    listed = _ok(_sm(server, account, tmp_path, "list-secrets", "--filters", "Key=name,Values=svc/"))
    assert sorted(e["Name"] for e in listed["SecretList"]) == ["svc/one", "svc/two"]
    negated = _ok(_sm(server, account, tmp_path, "list-secrets", "--filters", "Key=name,Values=!svc/"))
    assert [e["Name"] for e in negated["SecretList"]] == ["other/three"]
    # The CLI pages for itself with a small page size: every secret once.
    paged = _ok(_sm(server, account, tmp_path, "list-secrets", "--page-size", "1"))
    assert sorted(e["Name"] for e in paged["SecretList"]) == ["other/three", "svc/one", "svc/two"]


def test_cli_delete_restore_and_force_delete(server, account, tmp_path):
    name, value = unique_name("cli-del"), _value()
    _ok(_sm(server, account, tmp_path, "create-secret", "--name", name, "--secret-string", value))
    for days in ("6", "31"):
        _fails(_sm(server, account, tmp_path, "delete-secret", "--secret-id", name,
                   "--recovery-window-in-days", days), "InvalidParameterException")
    _fails(_sm(server, account, tmp_path, "delete-secret", "--secret-id", name, "--recovery-window-in-days", "7",
               "--force-delete-without-recovery"), "InvalidParameterException")
    assert "DeletedDate" not in _ok(_sm(server, account, tmp_path, "describe-secret", "--secret-id", name))

    deleted = _ok(_sm(server, account, tmp_path, "delete-secret", "--secret-id", name))
    assert "DeletionDate" in deleted
    _fails(_sm(server, account, tmp_path, "get-secret-value", "--secret-id", name), "InvalidRequestException")
    assert _ok(_sm(server, account, tmp_path, "list-secrets"))["SecretList"] == []
    planned = _ok(_sm(server, account, tmp_path, "list-secrets", "--include-planned-deletion"))
    assert [e["Name"] for e in planned["SecretList"]] == [name]

    _ok(_sm(server, account, tmp_path, "restore-secret", "--secret-id", name))
    assert _ok(_sm(server, account, tmp_path, "get-secret-value", "--secret-id", name))["SecretString"] == value

    _ok(_sm(server, account, tmp_path, "delete-secret", "--secret-id", name, "--force-delete-without-recovery"))
    _fails(_sm(server, account, tmp_path, "describe-secret", "--secret-id", name), "ResourceNotFoundException")


def test_cli_create_errors(server, account, tmp_path):
    name = unique_name("cli-dup")
    _ok(_sm(server, account, tmp_path, "create-secret", "--name", name, "--secret-string", _value()))
    _fails(_sm(server, account, tmp_path, "create-secret", "--name", name, "--secret-string", _value()),
           "ResourceExistsException")
    _fails(_sm(server, account, tmp_path, "create-secret", "--name", "bad!name", "--secret-string", _value()),
           "InvalidParameterException")
    listed = _ok(_sm(server, account, tmp_path, "list-secrets", "--include-planned-deletion"))
    assert [e["Name"] for e in listed["SecretList"]] == [name]


def test_cli_managed_secret_is_visible_but_read_only(server, client, account, tmp_path):
    connection_id = create_connection(client)
    response, ckn, cak = associate_key(client, connection_id)
    arn = response["macSecKeys"][-1]["secretARN"]

    described = _ok(_sm(server, account, tmp_path, "describe-secret", "--secret-id", arn))
    assert described["OwningService"] == "directconnect"
    assert {"Key": OWNING_SERVICE_TAG, "Value": "directconnect"} in described["Tags"]
    listed = _ok(_sm(server, account, tmp_path, "list-secrets", "--filters", "Key=owning-service,Values=directconnect"))
    assert [e["ARN"] for e in listed["SecretList"]] == [arn]

    errors = [
        _fails(_sm(server, account, tmp_path, "get-secret-value", "--secret-id", arn), "AccessDeniedException"),
        _fails(_sm(server, account, tmp_path, "put-secret-value", "--secret-id", arn, "--secret-string", "x"),
               "AccessDeniedException"),
        _fails(_sm(server, account, tmp_path, "update-secret", "--secret-id", arn, "--description", "x"),
               "AccessDeniedException"),
        _fails(_sm(server, account, tmp_path, "delete-secret", "--secret-id", arn, "--force-delete-without-recovery"),
               "AccessDeniedException"),
    ]
    for stderr in errors:
        assert cak not in stderr.lower()
    after = _ok(_sm(server, account, tmp_path, "describe-secret", "--secret-id", arn))
    assert after == described

    _ok(_sm(server, account, tmp_path, "delete-secret", "--secret-id", arn, "--recovery-window-in-days", "7"))
    _ok(_sm(server, account, tmp_path, "restore-secret", "--secret-id", arn))
    assert "DeletedDate" not in _ok(_sm(server, account, tmp_path, "describe-secret", "--secret-id", arn))


@pytest.mark.parametrize("where", ["other-account", "other-region"])
def test_cli_secrets_are_invisible_elsewhere(server, account, tmp_path, where):
    name = unique_name("cli-iso")
    _ok(_sm(server, account, tmp_path, "create-secret", "--name", name, "--secret-string", _value()))
    other_account, region = (random_account(), "us-east-1") if where == "other-account" else (account, "us-west-2")
    _fails(_sm(server, other_account, tmp_path, "describe-secret", "--secret-id", name, region=region),
           "ResourceNotFoundException")
    _fails(_sm(server, other_account, tmp_path, "get-secret-value", "--secret-id", name, region=region),
           "ResourceNotFoundException")
    assert _ok(_sm(server, other_account, tmp_path, "list-secrets", region=region))["SecretList"] == []
