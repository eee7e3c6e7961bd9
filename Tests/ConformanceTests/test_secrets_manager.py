"""SPEC §6 (and §4 rule 10, §5): Secrets Manager through boto3's `secretsmanager` client.

Covers user secrets (create, read by name / ARN / partial ARN / version / stage, idempotency,
describe, list with filters and paging, versions and stages, deletion window, restore, tags),
the secrets Direct Connect manages (read-only, deletion schedulable), what a secret's life does
to the MACsec keys that use it (with `--clock-control` instead of waiting), and isolation by
account and region. Every refused call is followed by a check that nothing changed.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from dxhelpers import (
    CLIENT_ERROR,
    ENCRYPTION_DOWN,
    ENCRYPTION_UP,
    OWNING_SERVICE_TAG,
    SM_ACCESS_DENIED,
    SM_EXISTS,
    SM_INVALID_PARAMETER,
    SM_INVALID_REQUEST,
    SM_NOT_FOUND,
    account_snapshot,
    advance_clock,
    all_secrets,
    associate_key,
    ckns_of,
    create_connection,
    create_lag,
    describe_connection,
    describe_lag,
    error_message,
    expect_error,
    keys_of,
    random_account,
    random_hex64,
    secret_arn_pattern,
    secret_names,
    secrets_snapshot,
    unique_name,
)

DAY = 86_400
SLACK = timedelta(minutes=5)

# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _value() -> str:
    """A random secret string, easy to search for."""
    return "sv-" + secrets.token_hex(20)


def _token() -> str:
    return str(uuid.uuid4())


def _user_arn_re(region: str, account: str, name: str) -> re.Pattern:
    return re.compile("^" + re.escape(f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-") + r"[A-Za-z0-9]{6}$")


def _create(sm, name: str | None = None, value: str | None = None, **extra) -> dict:
    name = name or unique_name("sec")
    kwargs = {"Name": name, **extra}
    if "SecretBinary" not in extra and value is not False:
        kwargs["SecretString"] = value if value is not None else _value()
    created = sm.create_secret(**kwargs)
    created["_value"] = kwargs.get("SecretString", kwargs.get("SecretBinary"))
    return created


def _described(sm, secret_id: str) -> dict:
    described = sm.describe_secret(SecretId=secret_id)
    described.pop("ResponseMetadata", None)
    described.pop("LastAccessedDate", None)  # reading a value moves it; nothing else may move
    return described


def _version_value(sm, secret_id: str, version_id: str):
    got = sm.get_secret_value(SecretId=secret_id, VersionId=version_id)
    return got.get("SecretString", got.get("SecretBinary")), sorted(got.get("VersionStages", []))


def _snapshot(sm, secret_id: str, values: bool = True) -> dict:
    """What a refused call must leave untouched: the description and every staged value, and every
    other secret of the account and region (a refused call must not leave a secret behind either)."""
    state = {"describe": _described(sm, secret_id)}
    if values:
        versions = state["describe"].get("VersionIdsToStages") or {}
        state["values"] = {vid: _version_value(sm, secret_id, vid) for vid in sorted(versions)}
    state["account"] = secrets_snapshot(sm)
    return state


def _assert_absent(sm, name: str) -> None:
    expect_error(lambda: sm.describe_secret(SecretId=name), SM_NOT_FOUND)
    assert name not in secret_names(sm, IncludePlannedDeletion=True)


def _stages(sm, secret_id: str) -> dict:
    return _described(sm, secret_id).get("VersionIdsToStages") or {}


def _near(moment: datetime, expected: datetime, slack: timedelta = SLACK) -> bool:
    return abs(moment - expected) <= slack


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


def _dump(response) -> str:
    return json.dumps(response, default=str)


def _managed(client, sm) -> dict:
    """A managed secret made by AssociateMacSecKey on a MACsec connection at EqDC2 10 Gbps."""
    connection_id = create_connection(client, location="EqDC2", bandwidth="10Gbps")
    response, ckn, cak = associate_key(client, connection_id)
    return {"connection": connection_id, "arn": response["macSecKeys"][-1]["secretARN"], "ckn": ckn, "cak": cak}


def _connection_keys(client, connection_id: str) -> dict:
    connection = describe_connection(client, connection_id)
    return {"keys": keys_of(connection), "encryptionMode": connection.get("encryptionMode"),
            "portEncryptionStatus": connection.get("portEncryptionStatus")}


# --------------------------------------------------------------------------------------
# 1. CreateSecret and GetSecretValue
# --------------------------------------------------------------------------------------


def test_create_string_secret_and_get_it_by_name(secrets_client, account):
    name, value = unique_name("app/db"), _value()
    created = secrets_client.create_secret(Name=name, SecretString=value, Description="the db password")
    assert created["Name"] == name
    assert _user_arn_re("us-east-1", account, name).match(created["ARN"]), created["ARN"]
    assert created["VersionId"]
    got = secrets_client.get_secret_value(SecretId=name)
    assert got["SecretString"] == value
    assert "SecretBinary" not in got
    assert got["ARN"] == created["ARN"]
    assert got["Name"] == name
    assert got["VersionId"] == created["VersionId"]
    assert got["VersionStages"] == ["AWSCURRENT"]
    assert _near(_utc(got["CreatedDate"]), datetime.now(timezone.utc))


def test_create_binary_secret_and_get_it(secrets_client):
    name = unique_name("bin")
    blob = bytes(range(256)) + secrets.token_bytes(64)  # not UTF-8: must come back byte for byte
    created = secrets_client.create_secret(Name=name, SecretBinary=blob)
    got = secrets_client.get_secret_value(SecretId=name)
    assert got["SecretBinary"] == blob
    assert "SecretString" not in got
    assert got["VersionId"] == created["VersionId"]
    assert got["VersionStages"] == ["AWSCURRENT"]


def test_get_secret_value_by_full_arn(secrets_client):
    created = _create(secrets_client)
    got = secrets_client.get_secret_value(SecretId=created["ARN"])
    assert got["SecretString"] == created["_value"]
    assert got["ARN"] == created["ARN"]


def test_get_secret_value_by_partial_arn(secrets_client):
    created = _create(secrets_client, name=unique_name("team/svc"))
    partial = created["ARN"][: -len("-XXXXXX")]
    assert partial.endswith(":secret:" + created["Name"])
    got = secrets_client.get_secret_value(SecretId=partial)
    assert got["SecretString"] == created["_value"]
    assert got["ARN"] == created["ARN"]
    assert secrets_client.describe_secret(SecretId=partial)["ARN"] == created["ARN"]


def test_get_secret_value_with_a_wrong_arn_suffix_is_not_found(secrets_client):
    created = _create(secrets_client)
    suffix = created["ARN"][-6:]
    wrong = created["ARN"][:-6] + ("A" if suffix[0] != "A" else "B") + suffix[1:]
    expect_error(lambda: secrets_client.get_secret_value(SecretId=wrong), SM_NOT_FOUND)


def test_get_secret_value_by_version_id(secrets_client):
    created = _create(secrets_client)
    second = _value()
    put = secrets_client.put_secret_value(SecretId=created["Name"], SecretString=second)
    first = secrets_client.get_secret_value(SecretId=created["Name"], VersionId=created["VersionId"])
    assert first["SecretString"] == created["_value"]
    assert first["VersionId"] == created["VersionId"]
    assert first["VersionStages"] == ["AWSPREVIOUS"]
    latest = secrets_client.get_secret_value(SecretId=created["Name"], VersionId=put["VersionId"])
    assert latest["SecretString"] == second
    assert latest["VersionStages"] == ["AWSCURRENT"]


def test_get_secret_value_by_version_stage(secrets_client):
    created = _create(secrets_client)
    second = _value()
    put = secrets_client.put_secret_value(SecretId=created["ARN"], SecretString=second)
    current = secrets_client.get_secret_value(SecretId=created["Name"], VersionStage="AWSCURRENT")
    previous = secrets_client.get_secret_value(SecretId=created["Name"], VersionStage="AWSPREVIOUS")
    assert (current["SecretString"], current["VersionId"]) == (second, put["VersionId"])
    assert (previous["SecretString"], previous["VersionId"]) == (created["_value"], created["VersionId"])
    default = secrets_client.get_secret_value(SecretId=created["Name"])
    assert default["VersionId"] == put["VersionId"]


def test_get_secret_value_unknown_version_or_stage_is_not_found(secrets_client):
    created = _create(secrets_client)
    expect_error(lambda: secrets_client.get_secret_value(SecretId=created["Name"], VersionId=_token()), SM_NOT_FOUND)
    expect_error(lambda: secrets_client.get_secret_value(SecretId=created["Name"], VersionStage="AWSPREVIOUS"),
                 SM_NOT_FOUND)
    expect_error(lambda: secrets_client.get_secret_value(SecretId=created["Name"], VersionId=created["VersionId"],
                                                         VersionStage="AWSPREVIOUS"), SM_NOT_FOUND)


def test_get_secret_value_of_an_unknown_secret_is_not_found(secrets_client, account):
    expect_error(lambda: secrets_client.get_secret_value(SecretId=unique_name("nope")), SM_NOT_FOUND)
    arn = f"arn:aws:secretsmanager:us-east-1:{account}:secret:nope-AbCdEf"
    expect_error(lambda: secrets_client.get_secret_value(SecretId=arn), SM_NOT_FOUND)


def test_create_secret_with_the_same_token_and_value_is_idempotent(secrets_client):
    name, value, token = unique_name("idem"), _value(), _token()
    first = secrets_client.create_secret(Name=name, SecretString=value, ClientRequestToken=token)
    again = secrets_client.create_secret(Name=name, SecretString=value, ClientRequestToken=token)
    assert again["VersionId"] == first["VersionId"] == token
    assert again["ARN"] == first["ARN"]
    assert _stages(secrets_client, name) == {token: ["AWSCURRENT"]}
    assert secret_names(secrets_client).count(name) == 1


def test_put_secret_value_with_the_same_token_and_value_is_idempotent(secrets_client):
    created = _create(secrets_client)
    value, token = _value(), _token()
    first = secrets_client.put_secret_value(SecretId=created["Name"], SecretString=value, ClientRequestToken=token)
    before = _snapshot(secrets_client, created["Name"])
    again = secrets_client.put_secret_value(SecretId=created["Name"], SecretString=value, ClientRequestToken=token)
    assert again["VersionId"] == first["VersionId"] == token
    after = _snapshot(secrets_client, created["Name"])
    assert after == before, "a retried PutSecretValue made a new version"
    assert len(after["describe"]["VersionIdsToStages"]) == 2


def test_create_secret_with_the_same_token_and_another_value_is_refused(secrets_client):
    name, token = unique_name("idem"), _token()
    secrets_client.create_secret(Name=name, SecretString=_value(), ClientRequestToken=token)
    before = _snapshot(secrets_client, name)
    expect_error(lambda: secrets_client.create_secret(Name=name, SecretString=_value(), ClientRequestToken=token),
                 SM_EXISTS)
    assert _snapshot(secrets_client, name) == before


def test_put_secret_value_with_the_same_token_and_another_value_is_refused(secrets_client):
    created = _create(secrets_client)
    token = _token()
    secrets_client.put_secret_value(SecretId=created["Name"], SecretString=_value(), ClientRequestToken=token)
    before = _snapshot(secrets_client, created["Name"])
    expect_error(lambda: secrets_client.put_secret_value(SecretId=created["Name"], SecretString=_value(),
                                                         ClientRequestToken=token), SM_EXISTS)
    assert _snapshot(secrets_client, created["Name"]) == before


def test_create_secret_with_an_existing_name_is_refused(secrets_client):
    created = _create(secrets_client)
    before = _snapshot(secrets_client, created["Name"])
    expect_error(lambda: secrets_client.create_secret(Name=created["Name"], SecretString=_value()), SM_EXISTS)
    expect_error(lambda: secrets_client.create_secret(Name=created["Name"], SecretBinary=b"\x00\x01"), SM_EXISTS)
    assert _snapshot(secrets_client, created["Name"]) == before
    assert secret_names(secrets_client).count(created["Name"]) == 1


def test_create_secret_with_string_and_binary_is_refused(secrets_client):
    _create(secrets_client)
    before = secrets_snapshot(secrets_client)
    name = unique_name("both")
    expect_error(lambda: secrets_client.create_secret(Name=name, SecretString=_value(), SecretBinary=b"\x01\x02"),
                 SM_INVALID_PARAMETER)
    _assert_absent(secrets_client, name)
    assert secrets_snapshot(secrets_client) == before


def test_put_secret_value_with_string_and_binary_is_refused(secrets_client):
    created = _create(secrets_client)
    before = _snapshot(secrets_client, created["Name"])
    expect_error(lambda: secrets_client.put_secret_value(SecretId=created["Name"], SecretString=_value(),
                                                         SecretBinary=b"\x01"), SM_INVALID_PARAMETER)
    expect_error(lambda: secrets_client.update_secret(SecretId=created["Name"], SecretString=_value(),
                                                      SecretBinary=b"\x01"), SM_INVALID_PARAMETER)
    assert _snapshot(secrets_client, created["Name"]) == before


def test_secret_without_a_value_has_no_current_version_until_one_is_put(secrets_client):
    name = unique_name("empty")
    created = secrets_client.create_secret(Name=name, Description="value comes later")
    assert "VersionId" not in created
    assert not secrets_client.describe_secret(SecretId=name).get("VersionIdsToStages")
    expect_error(lambda: secrets_client.get_secret_value(SecretId=name), SM_NOT_FOUND)
    value = _value()
    put = secrets_client.put_secret_value(SecretId=name, SecretString=value)
    assert _stages(secrets_client, name) == {put["VersionId"]: ["AWSCURRENT"]}
    assert secrets_client.get_secret_value(SecretId=name)["SecretString"] == value


@pytest.mark.parametrize("name", [
    "bad!name",
    "with space",
    "semi;colon",
    "directconnect!prod/us-east-1/directconnect/" + "ab" * 32,  # a user cannot squat Direct Connect's names
])
def test_create_secret_with_an_invalid_name_is_refused(secrets_client, name):
    expect_error(lambda: secrets_client.create_secret(Name=name, SecretString=_value()), SM_INVALID_PARAMETER)
    expect_error(lambda: secrets_client.describe_secret(SecretId=name), SM_NOT_FOUND)
    assert secrets_client.list_secrets(IncludePlannedDeletion=True)["SecretList"] == []


# --------------------------------------------------------------------------------------
# 2. DescribeSecret and ListSecrets
# --------------------------------------------------------------------------------------


def test_describe_secret_shows_versions_and_tags_never_the_value(secrets_client, account):
    first, second = _value(), _value()
    created = secrets_client.create_secret(Name=unique_name("desc"), SecretString=first, Description="about it",
                                           Tags=[{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "net"}])
    put = secrets_client.put_secret_value(SecretId=created["ARN"], SecretString=second)
    described = secrets_client.describe_secret(SecretId=created["Name"])
    assert described["ARN"] == created["ARN"]
    assert described["Name"] == created["Name"]
    assert described["Description"] == "about it"
    assert sorted(described["Tags"], key=lambda t: t["Key"]) == [{"Key": "env", "Value": "prod"},
                                                                {"Key": "team", "Value": "net"}]
    assert described["VersionIdsToStages"] == {created["VersionId"]: ["AWSPREVIOUS"],
                                               put["VersionId"]: ["AWSCURRENT"]}
    assert "OwningService" not in described
    assert "DeletedDate" not in described
    # The model: a secret never configured for rotation has no RotationEnabled (null), not false.
    assert "RotationEnabled" not in described
    assert all("RotationEnabled" not in entry for entry in secrets_client.list_secrets()["SecretList"])
    assert _near(_utc(described["CreatedDate"]), datetime.now(timezone.utc))
    assert "SecretString" not in described and "SecretBinary" not in described
    text = _dump(described)
    assert first not in text and second not in text
    assert secrets_client.describe_secret(SecretId=created["ARN"])["Name"] == created["Name"]


def test_describe_secret_of_an_unknown_secret_is_not_found(secrets_client):
    expect_error(lambda: secrets_client.describe_secret(SecretId=unique_name("nope")), SM_NOT_FOUND)


def test_list_secrets_shows_every_secret_without_values(secrets_client):
    made = [_create(secrets_client) for _ in range(3)]
    made.append(_create(secrets_client, SecretBinary=secrets.token_bytes(32)))
    listed = all_secrets(secrets_client)
    assert sorted(e["Name"] for e in listed) == sorted(m["Name"] for m in made)
    by_name = {e["Name"]: e for e in listed}
    for secret in made:
        entry = by_name[secret["Name"]]
        assert entry["ARN"] == secret["ARN"]
        assert entry["SecretVersionsToStages"] == {secret["VersionId"]: ["AWSCURRENT"]}
        assert "SecretString" not in entry and "SecretBinary" not in entry
    text = _dump(listed)
    for secret in made:
        if isinstance(secret["_value"], str):
            assert secret["_value"] not in text
        else:
            assert base64.b64encode(secret["_value"]).decode() not in text


@pytest.fixture
def filter_world(client, secrets_client):
    """Three user secrets with names and tags to filter on, and one managed secret."""
    alpha = _create(secrets_client, name="app/alpha", Tags=[{"Key": "env", "Value": "production"}])
    beta = _create(secrets_client, name="app/beta", Tags=[{"Key": "team", "Value": "network"}])
    gamma = _create(secrets_client, name="db/gamma")
    managed = _managed(client, secrets_client)
    managed_name = secrets_client.describe_secret(SecretId=managed["arn"])["Name"]
    return {"alpha": "app/alpha", "beta": "app/beta", "gamma": "db/gamma", "managed": managed_name,
            "_made": (alpha, beta, gamma)}


def _filtered(sm, *filters) -> set[str]:
    return set(secret_names(sm, Filters=[{"Key": key, "Values": list(values)} for key, values in filters]))


def test_list_secrets_filter_by_name_prefix(secrets_client, filter_world):
    w = filter_world
    assert _filtered(secrets_client, ("name", ["app/"])) == {w["alpha"], w["beta"]}
    assert _filtered(secrets_client, ("name", ["app/al", "db/"])) == {w["alpha"], w["gamma"]}
    assert _filtered(secrets_client, ("name", ["alpha"])) == set(), "name filters match prefixes, not substrings"
    assert _filtered(secrets_client, ("name", ["directconnect!"])) == {w["managed"]}


def test_list_secrets_filter_by_name_negation(secrets_client, filter_world):
    w = filter_world
    assert _filtered(secrets_client, ("name", ["!app/"])) == {w["gamma"], w["managed"]}


def test_list_secrets_filter_by_tag_key(secrets_client, filter_world):
    w = filter_world
    assert _filtered(secrets_client, ("tag-key", ["env"])) == {w["alpha"]}
    assert _filtered(secrets_client, ("tag-key", ["te"])) == {w["beta"]}
    assert _filtered(secrets_client, ("tag-key", ["!env"])) == {w["beta"], w["gamma"], w["managed"]}


def test_list_secrets_filter_by_tag_value(secrets_client, filter_world):
    w = filter_world
    assert _filtered(secrets_client, ("tag-value", ["prod"])) == {w["alpha"]}
    assert _filtered(secrets_client, ("tag-value", ["network", "production"])) == {w["alpha"], w["beta"]}
    assert _filtered(secrets_client, ("tag-value", ["directconnect"])) == {w["managed"]}
    assert _filtered(secrets_client, ("tag-value", ["!prod"])) == {w["beta"], w["gamma"], w["managed"]}


def test_list_secrets_filter_by_owning_service(secrets_client, filter_world):
    w = filter_world
    assert _filtered(secrets_client, ("owning-service", ["directconnect"])) == {w["managed"]}
    assert _filtered(secrets_client, ("owning-service", ["direct"])) == {w["managed"]}
    assert _filtered(secrets_client, ("owning-service", ["!directconnect"])) == {w["alpha"], w["beta"], w["gamma"]}


def test_list_secrets_filters_combine_with_and(secrets_client, filter_world):
    w = filter_world
    assert _filtered(secrets_client, ("name", ["app/"]), ("tag-key", ["env"])) == {w["alpha"]}
    assert _filtered(secrets_client, ("name", ["app/"]), ("tag-key", ["!env"])) == {w["beta"]}
    assert _filtered(secrets_client, ("name", ["db/"]), ("tag-key", ["env"])) == set()


def test_list_secrets_description_and_all_filters_ignore_letter_case(secrets_client):
    """The model's Filter: `description` is a prefix in any case; `all` breaks the value into words and finds each
    in any field, in any case; `name` stays a prefix in its own case."""
    database = _create(secrets_client, name=unique_name("db-key"), Description="Production Database key",
                       Tags=[{"Key": "Owner", "Value": "Network-Team"}])
    other = _create(secrets_client, name=unique_name("web-cert"), Description="staging certificate")
    names = database["Name"], other["Name"]
    assert _filtered(secrets_client, ("description", ["production"])) == {names[0]}
    assert _filtered(secrets_client, ("description", ["PRODUCTION DATA"])) == {names[0]}
    assert _filtered(secrets_client, ("description", ["database"])) == set(), "a prefix of the whole description"
    assert _filtered(secrets_client, ("description", ["!production"])) == {names[1]}
    assert _filtered(secrets_client, ("all", ["database"])) == {names[0]}
    assert _filtered(secrets_client, ("all", ["DB-KEY"])) == {names[0]}
    assert _filtered(secrets_client, ("all", ["team"])) == {names[0]}, "a word of a tag's value"
    assert _filtered(secrets_client, ("all", ["cert stag"])) == {names[1]}, "every word, anywhere, as a prefix"
    assert _filtered(secrets_client, ("all", ["cert production"])) == set()
    assert _filtered(secrets_client, ("name", [names[0].upper()])) == set(), "name keeps its case"


def test_list_secrets_unknown_filter_key_is_refused(secrets_client, raw_sm):
    _create(secrets_client)
    expect_error(lambda: raw_sm.list_secrets(Filters=[{"Key": "colour", "Values": ["red"]}]), SM_INVALID_PARAMETER)


@pytest.fixture
def raw_sm(sm, account):
    return sm(account=account, validate=False)


def test_list_secrets_paging_visits_each_secret_once(secrets_client):
    names = {_create(secrets_client)["Name"] for _ in range(7)}
    seen, token, pages = [], None, 0
    while True:
        page = secrets_client.list_secrets(MaxResults=2, **({"NextToken": token} if token else {}))
        pages += 1
        assert len(page["SecretList"]) <= 2
        seen += [e["Name"] for e in page["SecretList"]]
        token = page.get("NextToken")
        if not token:
            break
        assert pages < 20, "paging does not end"
    assert sorted(seen) == sorted(names), "every secret exactly once"
    assert pages == 4


@pytest.mark.parametrize("sort_order", ["asc", "desc"])
def test_list_secrets_paging_by_name_in_both_orders(secrets_client, sort_order):
    names = sorted(_create(secrets_client, name=f"p{i:02d}-" + secrets.token_hex(2))["Name"] for i in range(5))
    seen, token = [], None
    while True:
        page = secrets_client.list_secrets(MaxResults=2, SortBy="name", SortOrder=sort_order,
                                           **({"NextToken": token} if token else {}))
        seen += [e["Name"] for e in page["SecretList"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == (names if sort_order == "asc" else names[::-1])


def test_list_secrets_paging_is_stable_under_concurrent_writes(secrets_client):
    names = {_create(secrets_client)["Name"] for _ in range(6)}
    first = secrets_client.list_secrets(MaxResults=3)
    seen = [e["Name"] for e in first["SecretList"]]
    _create(secrets_client)  # a write between pages must not make the walk repeat or skip old ones
    token = first["NextToken"]
    while token:
        page = secrets_client.list_secrets(MaxResults=3, NextToken=token)
        seen += [e["Name"] for e in page["SecretList"]]
        token = page.get("NextToken")
    assert len(seen) == len(set(seen)), f"a secret came twice: {seen}"
    assert names <= set(seen)


def test_list_secrets_invalid_next_token_is_refused(secrets_client):
    """The model's ListSecrets error for a bad token is InvalidNextTokenException."""
    for _ in range(3):
        _create(secrets_client)
    expect_error(lambda: secrets_client.list_secrets(MaxResults=1, NextToken="not-a-token"),
                 "InvalidNextTokenException")


def test_list_secrets_include_planned_deletion(secrets_client):
    kept = _create(secrets_client)
    doomed = _create(secrets_client)
    secrets_client.delete_secret(SecretId=doomed["Name"], RecoveryWindowInDays=7)
    assert set(secret_names(secrets_client)) == {kept["Name"]}
    assert set(secret_names(secrets_client, IncludePlannedDeletion=False)) == {kept["Name"]}
    entries = {e["Name"]: e for e in all_secrets(secrets_client, IncludePlannedDeletion=True)}
    assert set(entries) == {kept["Name"], doomed["Name"]}
    assert "DeletedDate" in entries[doomed["Name"]]
    assert "DeletedDate" not in entries[kept["Name"]]


# --------------------------------------------------------------------------------------
# 3. PutSecretValue and UpdateSecret
# --------------------------------------------------------------------------------------


def test_put_secret_value_moves_awscurrent_and_leaves_awsprevious(secrets_client):
    created = _create(secrets_client)
    v1 = created["VersionId"]
    v2_value, v3_value = _value(), _value()
    put2 = secrets_client.put_secret_value(SecretId=created["Name"], SecretString=v2_value)
    assert put2["VersionStages"] == ["AWSCURRENT"]
    assert put2["ARN"] == created["ARN"] and put2["Name"] == created["Name"]
    v2 = put2["VersionId"]
    assert _stages(secrets_client, created["Name"]) == {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]}

    v3 = secrets_client.put_secret_value(SecretId=created["ARN"], SecretString=v3_value)["VersionId"]
    stages = _stages(secrets_client, created["Name"])
    assert stages.get(v3) == ["AWSCURRENT"]
    assert stages.get(v2) == ["AWSPREVIOUS"]
    assert stages.get(v1, []) == [], "the oldest version loses its labels"
    assert secrets_client.get_secret_value(SecretId=created["Name"])["SecretString"] == v3_value
    assert secrets_client.get_secret_value(SecretId=created["Name"], VersionStage="AWSPREVIOUS")["SecretString"] \
        == v2_value
    assert secrets_client.get_secret_value(SecretId=created["Name"], VersionId=v1)["SecretString"] == created["_value"]


def test_put_secret_value_with_another_stage_leaves_awscurrent(secrets_client):
    created = _create(secrets_client)
    pending_value = _value()
    put = secrets_client.put_secret_value(SecretId=created["Name"], SecretString=pending_value,
                                          VersionStages=["AWSPENDING"])
    assert put["VersionStages"] == ["AWSPENDING"]
    assert _stages(secrets_client, created["Name"]) == {created["VersionId"]: ["AWSCURRENT"],
                                                        put["VersionId"]: ["AWSPENDING"]}
    assert secrets_client.get_secret_value(SecretId=created["Name"])["SecretString"] == created["_value"]
    assert secrets_client.get_secret_value(SecretId=created["Name"], VersionStage="AWSPENDING")["SecretString"] \
        == pending_value


def test_put_secret_value_binary_after_string(secrets_client):
    created = _create(secrets_client)
    blob = secrets.token_bytes(48)
    secrets_client.put_secret_value(SecretId=created["Name"], SecretBinary=blob)
    current = secrets_client.get_secret_value(SecretId=created["Name"])
    assert current["SecretBinary"] == blob and "SecretString" not in current
    previous = secrets_client.get_secret_value(SecretId=created["Name"], VersionStage="AWSPREVIOUS")
    assert previous["SecretString"] == created["_value"] and "SecretBinary" not in previous


def test_put_secret_value_without_a_value_is_refused(secrets_client):
    created = _create(secrets_client)
    before = _snapshot(secrets_client, created["Name"])
    expect_error(lambda: secrets_client.put_secret_value(SecretId=created["Name"]), SM_INVALID_PARAMETER)
    assert _snapshot(secrets_client, created["Name"]) == before


def test_put_secret_value_on_an_unknown_secret_is_not_found(secrets_client):
    name = unique_name("nope")
    expect_error(lambda: secrets_client.put_secret_value(SecretId=name, SecretString=_value()), SM_NOT_FOUND)
    _assert_absent(secrets_client, name)


def test_update_secret_description_makes_no_version(secrets_client):
    created = _create(secrets_client, Description="old")
    before = _snapshot(secrets_client, created["Name"])
    updated = secrets_client.update_secret(SecretId=created["Name"], Description="new")
    assert updated["ARN"] == created["ARN"] and updated["Name"] == created["Name"]
    assert "VersionId" not in updated
    after = _snapshot(secrets_client, created["Name"])
    assert after["describe"]["Description"] == "new"
    assert after["values"] == before["values"]
    assert after["describe"]["VersionIdsToStages"] == before["describe"]["VersionIdsToStages"]


def test_update_secret_value_makes_a_new_current_version(secrets_client):
    created = _create(secrets_client)
    value = _value()
    updated = secrets_client.update_secret(SecretId=created["ARN"], SecretString=value)
    assert updated["VersionId"] and updated["VersionId"] != created["VersionId"]
    assert _stages(secrets_client, created["Name"]) == {created["VersionId"]: ["AWSPREVIOUS"],
                                                        updated["VersionId"]: ["AWSCURRENT"]}
    got = secrets_client.get_secret_value(SecretId=created["Name"])
    assert (got["SecretString"], got["VersionId"]) == (value, updated["VersionId"])


def test_update_secret_on_an_unknown_secret_is_not_found(secrets_client):
    name = unique_name("nope")
    expect_error(lambda: secrets_client.update_secret(SecretId=name, Description="x"), SM_NOT_FOUND)
    _assert_absent(secrets_client, name)


# --------------------------------------------------------------------------------------
# 4. DeleteSecret and RestoreSecret
# --------------------------------------------------------------------------------------


def test_delete_secret_default_window_is_30_days(secrets_client):
    created = _create(secrets_client)
    deleted = secrets_client.delete_secret(SecretId=created["Name"])
    assert deleted["ARN"] == created["ARN"] and deleted["Name"] == created["Name"]
    expected = datetime.now(timezone.utc) + timedelta(days=30)
    assert _near(_utc(deleted["DeletionDate"]), expected), deleted["DeletionDate"]
    described = secrets_client.describe_secret(SecretId=created["ARN"])
    assert abs(_utc(described["DeletedDate"]) - _utc(deleted["DeletionDate"])) < timedelta(seconds=1)


@pytest.mark.parametrize("days", [7, 30])
def test_delete_secret_with_a_window_at_the_bounds(secrets_client, days):
    created = _create(secrets_client)
    deleted = secrets_client.delete_secret(SecretId=created["Name"], RecoveryWindowInDays=days)
    assert _near(_utc(deleted["DeletionDate"]), datetime.now(timezone.utc) + timedelta(days=days))


def test_create_secret_with_the_name_of_a_scheduled_secret_is_refused(secrets_client):
    created = _create(secrets_client)
    secrets_client.delete_secret(SecretId=created["Name"], RecoveryWindowInDays=7)
    before = _snapshot(secrets_client, created["Name"], values=False)
    expect_error(lambda: secrets_client.create_secret(Name=created["Name"], SecretString=_value()),
                 SM_INVALID_REQUEST)
    assert _snapshot(secrets_client, created["Name"], values=False) == before


@pytest.mark.parametrize("days", [6, 31, 0])
def test_delete_secret_window_outside_7_to_30_days_is_refused(secrets_client, days):
    created = _create(secrets_client)
    before = _snapshot(secrets_client, created["Name"])
    expect_error(lambda: secrets_client.delete_secret(SecretId=created["Name"], RecoveryWindowInDays=days),
                 SM_INVALID_PARAMETER)
    assert _snapshot(secrets_client, created["Name"]) == before


def test_delete_secret_with_window_and_force_is_refused(secrets_client):
    created = _create(secrets_client)
    before = _snapshot(secrets_client, created["Name"])
    expect_error(lambda: secrets_client.delete_secret(SecretId=created["Name"], RecoveryWindowInDays=7,
                                                      ForceDeleteWithoutRecovery=True), SM_INVALID_PARAMETER)
    assert _snapshot(secrets_client, created["Name"]) == before


def test_delete_secret_of_an_unknown_secret_is_not_found(secrets_client):
    expect_error(lambda: secrets_client.delete_secret(SecretId=unique_name("nope")), SM_NOT_FOUND)


def test_force_delete_of_a_secret_never_made_or_gone_already_is_no_error(secrets_client, account):
    """The model: forcing the deletion of a secret already deleted, or of one that does not exist, does not answer
    ResourceNotFoundException. The answer names the secret as it was given."""
    name = unique_name("never")
    deleted = secrets_client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert deleted["Name"] == name and "ARN" not in deleted
    assert _near(_utc(deleted["DeletionDate"]), datetime.now(timezone.utc))
    arn = f"arn:aws:secretsmanager:us-east-1:{account}:secret:{name}-AbCdEf"
    deleted = secrets_client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    assert deleted["ARN"] == arn and "Name" not in deleted
    created = _create(secrets_client)
    secrets_client.delete_secret(SecretId=created["Name"], ForceDeleteWithoutRecovery=True)
    again = secrets_client.delete_secret(SecretId=created["Name"], ForceDeleteWithoutRecovery=True)
    assert again["Name"] == created["Name"]
    _assert_absent(secrets_client, created["Name"])
    # Without the force, a secret that is not there is still not found.
    expect_error(lambda: secrets_client.delete_secret(SecretId=created["Name"]), SM_NOT_FOUND)


@pytest.mark.parametrize("operation", ["GetSecretValue", "PutSecretValue", "UpdateSecret-value",
                                       "UpdateSecret-description", "DeleteSecret-again"])
def test_scheduled_secret_refuses_reads_and_writes(secrets_client, operation):
    created = _create(secrets_client)
    secrets_client.delete_secret(SecretId=created["Name"], RecoveryWindowInDays=7)
    before = _snapshot(secrets_client, created["Name"], values=False)
    calls = {
        "GetSecretValue": lambda: secrets_client.get_secret_value(SecretId=created["Name"]),
        "PutSecretValue": lambda: secrets_client.put_secret_value(SecretId=created["Name"], SecretString=_value()),
        "UpdateSecret-value": lambda: secrets_client.update_secret(SecretId=created["Name"], SecretString=_value()),
        "UpdateSecret-description": lambda: secrets_client.update_secret(SecretId=created["Name"], Description="x"),
        "DeleteSecret-again": lambda: secrets_client.delete_secret(SecretId=created["Name"], RecoveryWindowInDays=30),
    }
    expect_error(calls[operation], SM_INVALID_REQUEST)
    assert _snapshot(secrets_client, created["Name"], values=False) == before
    secrets_client.restore_secret(SecretId=created["Name"])
    got = secrets_client.get_secret_value(SecretId=created["Name"])
    assert (got["SecretString"], got["VersionId"]) == (created["_value"], created["VersionId"])


def test_restore_secret_makes_it_usable_again(secrets_client):
    created = _create(secrets_client)
    secrets_client.delete_secret(SecretId=created["Name"], RecoveryWindowInDays=10)
    restored = secrets_client.restore_secret(SecretId=created["ARN"])
    assert restored["ARN"] == created["ARN"] and restored["Name"] == created["Name"]
    described = secrets_client.describe_secret(SecretId=created["Name"])
    assert "DeletedDate" not in described
    assert created["Name"] in secret_names(secrets_client)
    assert secrets_client.get_secret_value(SecretId=created["Name"])["SecretString"] == created["_value"]
    value = _value()
    secrets_client.put_secret_value(SecretId=created["Name"], SecretString=value)
    secrets_client.update_secret(SecretId=created["Name"], Description="back")
    assert secrets_client.get_secret_value(SecretId=created["Name"])["SecretString"] == value
    # And it can be scheduled again.
    secrets_client.delete_secret(SecretId=created["Name"], RecoveryWindowInDays=7)
    assert "DeletedDate" in secrets_client.describe_secret(SecretId=created["Name"])


def test_force_delete_removes_a_user_secret_at_once(secrets_client):
    created = _create(secrets_client)
    deleted = secrets_client.delete_secret(SecretId=created["Name"], ForceDeleteWithoutRecovery=True)
    assert deleted["ARN"] == created["ARN"]
    assert _near(_utc(deleted["DeletionDate"]), datetime.now(timezone.utc))
    expect_error(lambda: secrets_client.describe_secret(SecretId=created["ARN"]), SM_NOT_FOUND)
    expect_error(lambda: secrets_client.get_secret_value(SecretId=created["Name"]), SM_NOT_FOUND)
    expect_error(lambda: secrets_client.restore_secret(SecretId=created["Name"]), SM_NOT_FOUND)
    _assert_absent(secrets_client, created["Name"])


def test_force_delete_of_a_scheduled_user_secret_removes_it_at_once(secrets_client):
    created = _create(secrets_client)
    secrets_client.delete_secret(SecretId=created["Name"], RecoveryWindowInDays=7)
    secrets_client.delete_secret(SecretId=created["Name"], ForceDeleteWithoutRecovery=True)
    _assert_absent(secrets_client, created["Name"])


@pytest.mark.slow
def test_scheduled_deletion_completes_after_the_window(clock_server, sm, account):
    secrets_client = sm(account=account, server=clock_server)
    created = _create(secrets_client)
    kept = _create(secrets_client)
    secrets_client.delete_secret(SecretId=created["Name"], RecoveryWindowInDays=7)

    advance_clock(clock_server, 6 * DAY)
    assert "DeletedDate" in secrets_client.describe_secret(SecretId=created["Name"]), "gone before its date"
    assert created["Name"] in secret_names(secrets_client, IncludePlannedDeletion=True)

    advance_clock(clock_server, 2 * DAY)
    for call in (lambda: secrets_client.describe_secret(SecretId=created["Name"]),
                 lambda: secrets_client.describe_secret(SecretId=created["ARN"]),
                 lambda: secrets_client.get_secret_value(SecretId=created["Name"]),
                 lambda: secrets_client.restore_secret(SecretId=created["Name"]),
                 lambda: secrets_client.delete_secret(SecretId=created["Name"])):
        expect_error(call, SM_NOT_FOUND)
    assert set(secret_names(secrets_client, IncludePlannedDeletion=True)) == {kept["Name"]}
    assert secrets_client.get_secret_value(SecretId=kept["Name"])["SecretString"] == kept["_value"]

    # The name is free again, for a new secret with nothing of the old one.
    value = _value()
    again = secrets_client.create_secret(Name=created["Name"], SecretString=value)
    assert again["ARN"] != created["ARN"]
    assert _stages(secrets_client, created["Name"]) == {again["VersionId"]: ["AWSCURRENT"]}
    assert secrets_client.get_secret_value(SecretId=created["Name"])["SecretString"] == value
    expect_error(lambda: secrets_client.get_secret_value(SecretId=created["ARN"]), SM_NOT_FOUND)


# --------------------------------------------------------------------------------------
# 5. Tags
# --------------------------------------------------------------------------------------


def test_tag_and_untag_resource(secrets_client):
    created = _create(secrets_client, Tags=[{"Key": "a", "Value": "1"}])
    secrets_client.tag_resource(SecretId=created["ARN"], Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "9"}])
    tags = {t["Key"]: t["Value"] for t in secrets_client.describe_secret(SecretId=created["Name"])["Tags"]}
    assert tags == {"a": "9", "b": "2"}
    listed = {t["Key"]: t["Value"] for t in all_secrets(secrets_client)[0]["Tags"]}
    assert listed == tags
    secrets_client.untag_resource(SecretId=created["Name"], TagKeys=["a", "not-there"])
    tags = {t["Key"]: t["Value"] for t in secrets_client.describe_secret(SecretId=created["Name"])["Tags"]}
    assert tags == {"b": "2"}
    secrets_client.untag_resource(SecretId=created["Name"], TagKeys=["b"])
    assert secrets_client.describe_secret(SecretId=created["Name"]).get("Tags", []) == []


def test_tag_resource_on_an_unknown_secret_is_not_found(secrets_client):
    expect_error(lambda: secrets_client.tag_resource(SecretId=unique_name("nope"), Tags=[{"Key": "a", "Value": "b"}]),
                 SM_NOT_FOUND)
    expect_error(lambda: secrets_client.untag_resource(SecretId=unique_name("nope"), TagKeys=["a"]), SM_NOT_FOUND)


@pytest.mark.parametrize("key", ["aws:owner", "AWS:Owner", "aws:secretsmanager:owningService"])
def test_aws_tag_keys_are_refused(secrets_client, key):
    created = _create(secrets_client, Tags=[{"Key": "keep", "Value": "me"}])
    before = _snapshot(secrets_client, created["Name"])
    expect_error(lambda: secrets_client.tag_resource(SecretId=created["Name"], Tags=[{"Key": key, "Value": "x"}]),
                 SM_INVALID_PARAMETER)
    expect_error(lambda: secrets_client.tag_resource(
        SecretId=created["Name"], Tags=[{"Key": "fine", "Value": "x"}, {"Key": key, "Value": "x"}]),
        SM_INVALID_PARAMETER)
    expect_error(lambda: secrets_client.untag_resource(SecretId=created["Name"], TagKeys=[key]),
                 SM_INVALID_PARAMETER)
    assert _snapshot(secrets_client, created["Name"]) == before
    name = unique_name("awstag")
    expect_error(lambda: secrets_client.create_secret(Name=name, SecretString=_value(),
                                                      Tags=[{"Key": key, "Value": "x"}]), SM_INVALID_PARAMETER)
    _assert_absent(secrets_client, name)


# --------------------------------------------------------------------------------------
# 6. Managed secrets (made by Direct Connect)
# --------------------------------------------------------------------------------------


@pytest.fixture
def managed(client, secrets_client):
    return _managed(client, secrets_client)


def test_managed_secret_is_described_with_its_owning_service(secrets_client, managed, account):
    described = secrets_client.describe_secret(SecretId=managed["arn"])
    assert described["OwningService"] == "directconnect"
    assert {"Key": OWNING_SERVICE_TAG, "Value": "directconnect"} in described["Tags"]
    assert secret_arn_pattern("us-east-1", account, managed["ckn"]).match(described["ARN"])
    assert described["Name"].lower() == f"directconnect!prod/us-east-1/directconnect/{managed['ckn']}"
    assert secrets_client.describe_secret(SecretId=described["Name"])["ARN"] == managed["arn"]
    assert "SecretString" not in described and "SecretBinary" not in described
    assert managed["cak"] not in _dump(described).lower()


def test_managed_secret_is_listed_with_its_owning_service(secrets_client, managed):
    _create(secrets_client)
    listed = all_secrets(secrets_client)
    (entry,) = [e for e in listed if e["ARN"] == managed["arn"]]
    assert entry["OwningService"] == "directconnect"
    assert {"Key": OWNING_SERVICE_TAG, "Value": "directconnect"} in entry["Tags"]
    assert "SecretString" not in entry and "SecretBinary" not in entry
    assert managed["cak"] not in _dump(listed).lower()
    user = [e for e in listed if e["ARN"] != managed["arn"]]
    assert user and all("OwningService" not in e for e in user)


def _managed_state(client, sm, managed) -> dict:
    return {"secret": _snapshot(sm, managed["arn"], values=False),
            "connection": _connection_keys(client, managed["connection"]),
            "account": account_snapshot(client, sm)}


@pytest.mark.parametrize("operation", ["GetSecretValue", "GetSecretValue-stage", "PutSecretValue",
                                       "UpdateSecret-value", "UpdateSecret-description", "ForceDelete"])
def test_managed_secret_is_read_only(client, secrets_client, managed, operation):
    arn = managed["arn"]
    calls = {
        "GetSecretValue": lambda: secrets_client.get_secret_value(SecretId=arn),
        "GetSecretValue-stage": lambda: secrets_client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT"),
        "PutSecretValue": lambda: secrets_client.put_secret_value(
            SecretId=arn, SecretString=json.dumps({"CKN": managed["ckn"], "CAK": random_hex64()})),
        "UpdateSecret-value": lambda: secrets_client.update_secret(SecretId=arn, SecretString=_value()),
        "UpdateSecret-description": lambda: secrets_client.update_secret(SecretId=arn, Description="mine now"),
        "ForceDelete": lambda: secrets_client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True),
    }
    before = _managed_state(client, secrets_client, managed)
    error = expect_error(calls[operation], SM_ACCESS_DENIED)
    assert managed["cak"] not in str(error.response).lower()
    assert _managed_state(client, secrets_client, managed) == before


def test_managed_secret_reserved_tag_cannot_be_removed(client, secrets_client, managed):
    before = _managed_state(client, secrets_client, managed)
    expect_error(lambda: secrets_client.untag_resource(SecretId=managed["arn"], TagKeys=[OWNING_SERVICE_TAG]),
                 SM_INVALID_PARAMETER)
    assert _managed_state(client, secrets_client, managed) == before


def test_managed_secret_deletion_can_be_scheduled_and_cancelled(client, secrets_client, managed):
    deleted = secrets_client.delete_secret(SecretId=managed["arn"], RecoveryWindowInDays=7)
    assert deleted["ARN"] == managed["arn"]
    assert _near(_utc(deleted["DeletionDate"]), datetime.now(timezone.utc) + timedelta(days=7))
    described = secrets_client.describe_secret(SecretId=managed["arn"])
    assert "DeletedDate" in described and described["OwningService"] == "directconnect"
    assert managed["arn"] not in [e["ARN"] for e in all_secrets(secrets_client)]
    assert managed["arn"] in [e["ARN"] for e in all_secrets(secrets_client, IncludePlannedDeletion=True)]
    # Before its date the key is still on the connection.
    assert ckns_of(describe_connection(client, managed["connection"])) == [managed["ckn"]]
    secrets_client.restore_secret(SecretId=managed["arn"])
    assert "DeletedDate" not in secrets_client.describe_secret(SecretId=managed["arn"])
    assert ckns_of(describe_connection(client, managed["connection"])) == [managed["ckn"]]


def test_managed_secret_default_deletion_window_is_30_days(secrets_client, managed):
    deleted = secrets_client.delete_secret(SecretId=managed["arn"])
    assert _near(_utc(deleted["DeletionDate"]), datetime.now(timezone.utc) + timedelta(days=30))


# --------------------------------------------------------------------------------------
# 7. Keys and the life of their secrets (SPEC §4 rule 10, §5, §6)
# --------------------------------------------------------------------------------------


def test_associate_by_arn_refuses_a_user_made_secret(client, secrets_client):
    connection_id = create_connection(client)
    # Even a user secret that holds exactly what a managed secret holds is not Direct Connect's.
    ckn, cak = random_hex64(), random_hex64()
    user = secrets_client.create_secret(Name=unique_name("lookalike"),
                                        SecretString=json.dumps({"CKN": ckn, "CAK": cak}))
    before = _connection_keys(client, connection_id)
    secret_before = _snapshot(secrets_client, user["ARN"])
    account_before = account_snapshot(client, secrets_client)
    error = expect_error(lambda: client.associate_mac_sec_key(connectionId=connection_id, secretARN=user["ARN"]),
                         CLIENT_ERROR, contains=[f"The secret {user['ARN']} was not created by Direct Connect",
                                                 connection_id])
    assert cak not in error_message(error).lower()
    assert _connection_keys(client, connection_id) == before
    assert account_snapshot(client, secrets_client) == account_before
    assert _snapshot(secrets_client, user["ARN"]) == secret_before


@pytest.mark.parametrize("where", ["other-account", "other-region"])
def test_associate_by_arn_refuses_a_managed_secret_of_another_scope(dx, sm, account, where):
    if where == "other-account":
        other_account, other_region, location = random_account(), "us-east-1", "EqDC2"
    else:
        other_account, other_region, location = account, "us-west-2", "EqSe2"
    owner = dx(account=other_account, region=other_region)
    owner_sm = sm(account=other_account, region=other_region)
    donor = create_connection(owner, location=location)
    foreign_arn = associate_key(owner, donor)[0]["macSecKeys"][-1]["secretARN"]
    foreign_before = _snapshot(owner_sm, foreign_arn, values=False)

    client = dx(account=account, region="us-east-1")
    secrets_client = sm(account=account, region="us-east-1")
    connection_id = create_connection(client)
    before = _connection_keys(client, connection_id)
    world = (account_snapshot(client, secrets_client), account_snapshot(owner, owner_sm))
    error = expect_error(lambda: client.associate_mac_sec_key(connectionId=connection_id, secretARN=foreign_arn),
                         CLIENT_ERROR, contains=[f"The secret {foreign_arn} was not found", connection_id])
    message = error_message(error).lower()
    assert any(word in message for word in ("not found", "could not find", "does not exist")), message
    assert _connection_keys(client, connection_id) == before
    assert (account_snapshot(client, secrets_client), account_snapshot(owner, owner_sm)) == world
    assert _snapshot(owner_sm, foreign_arn, values=False) == foreign_before
    assert ckns_of(describe_connection(owner, donor))  # the owner's key is untouched too


def test_associate_by_arn_refuses_a_secret_scheduled_for_deletion_until_restored(client, secrets_client):
    donor = create_connection(client)
    response, ckn, response_cak = associate_key(client, donor)
    arn = response["macSecKeys"][-1]["secretARN"]
    target = create_connection(client)
    secrets_client.delete_secret(SecretId=arn, RecoveryWindowInDays=7)
    before = _connection_keys(client, target)
    account_before = account_snapshot(client, secrets_client)
    expect_error(lambda: client.associate_mac_sec_key(connectionId=target, secretARN=arn), CLIENT_ERROR,
                 contains=[f"The secret {arn} is scheduled for deletion", target])
    # Giving its CKN and CAK instead does not get round the schedule either.
    expect_error(lambda: client.associate_mac_sec_key(connectionId=target, ckn=ckn, cak=response_cak),
                 CLIENT_ERROR, contains=["is scheduled for deletion", target])
    assert _connection_keys(client, target) == before
    assert account_snapshot(client, secrets_client) == account_before

    secrets_client.restore_secret(SecretId=arn)
    associated = client.associate_mac_sec_key(connectionId=target, secretARN=arn)
    assert associated["macSecKeys"][-1]["secretARN"] == arn
    assert associated["macSecKeys"][-1]["ckn"].lower() == ckn
    assert ckns_of(describe_connection(client, target)) == [ckn]


def test_associate_by_arn_refuses_a_force_deleted_user_secret(client, secrets_client):
    connection_id = create_connection(client)
    user = _create(secrets_client)
    secrets_client.delete_secret(SecretId=user["ARN"], ForceDeleteWithoutRecovery=True)
    before = _connection_keys(client, connection_id)
    account_before = account_snapshot(client, secrets_client)
    expect_error(lambda: client.associate_mac_sec_key(connectionId=connection_id, secretARN=user["ARN"]),
                 CLIENT_ERROR, contains=[f"The secret {user['ARN']} was not found", connection_id])
    assert _connection_keys(client, connection_id) == before
    assert account_snapshot(client, secrets_client) == account_before


def test_deleting_a_connection_keeps_its_managed_secret(client, secrets_client):
    connection_id = create_connection(client)
    response, ckn, _ = associate_key(client, connection_id)
    arn = response["macSecKeys"][-1]["secretARN"]
    before = _snapshot(secrets_client, arn, values=False)
    client.delete_connection(connectionId=connection_id)
    assert _snapshot(secrets_client, arn, values=False) == before
    other = create_connection(client)
    client.associate_mac_sec_key(connectionId=other, secretARN=arn)
    assert ckns_of(describe_connection(client, other)) == [ckn]


def test_deleting_a_lag_keeps_its_managed_secret(client, secrets_client):
    lag_id = create_lag(client, count=1)["lagId"]
    response, ckn, _ = associate_key(client, lag_id)
    arn = response["macSecKeys"][-1]["secretARN"]
    client.delete_lag(lagId=lag_id)
    assert secrets_client.describe_secret(SecretId=arn)["OwningService"] == "directconnect"
    assert arn in [e["ARN"] for e in all_secrets(secrets_client)]


@pytest.mark.slow
def test_expired_secret_removes_the_only_key_and_relaxes_must_encrypt(clock_server, dx, sm, account):
    client = dx(account=account, server=clock_server)
    secrets_client = sm(account=account, server=clock_server)
    connection_id = create_connection(client)
    response, ckn, _ = associate_key(client, connection_id)
    arn = response["macSecKeys"][-1]["secretARN"]
    client.update_connection(connectionId=connection_id, encryptionMode="must_encrypt")
    assert describe_connection(client, connection_id)["encryptionMode"] == "must_encrypt"

    secrets_client.delete_secret(SecretId=arn, RecoveryWindowInDays=7)
    advance_clock(clock_server, 6 * DAY)
    connection = describe_connection(client, connection_id)
    assert ckns_of(connection) == [ckn], "the key went before its secret's deletion date"
    assert connection["encryptionMode"] == "must_encrypt"
    assert connection["portEncryptionStatus"] == ENCRYPTION_UP

    advance_clock(clock_server, 2 * DAY)
    connection = describe_connection(client, connection_id)
    assert keys_of(connection) == []
    assert connection["encryptionMode"] == "should_encrypt"
    assert connection["portEncryptionStatus"] == ENCRYPTION_DOWN
    listed = [c for c in client.describe_connections()["connections"] if c["connectionId"] == connection_id]
    assert keys_of(listed[0]) == [] and listed[0]["encryptionMode"] == "should_encrypt"
    expect_error(lambda: secrets_client.describe_secret(SecretId=arn), SM_NOT_FOUND)
    assert arn not in [e["ARN"] for e in all_secrets(secrets_client, IncludePlannedDeletion=True)]
    expect_error(lambda: client.associate_mac_sec_key(connectionId=connection_id, secretARN=arn), CLIENT_ERROR,
                 contains=[connection_id])
    expect_error(lambda: client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=arn), CLIENT_ERROR)


@pytest.mark.slow
def test_expired_secret_removes_the_key_from_a_lag_and_its_members(clock_server, dx, sm, account):
    client = dx(account=account, server=clock_server)
    secrets_client = sm(account=account, server=clock_server)
    lag = create_lag(client, count=2)
    lag_id = lag["lagId"]
    members = [m["connectionId"] for m in lag["connections"]]
    response, ckn, _ = associate_key(client, lag_id)
    arn = response["macSecKeys"][-1]["secretARN"]
    client.update_lag(lagId=lag_id, encryptionMode="must_encrypt")

    secrets_client.delete_secret(SecretId=arn, RecoveryWindowInDays=7)
    advance_clock(clock_server, 6 * DAY)
    assert ckns_of(describe_lag(client, lag_id)) == [ckn]
    for member in members:
        assert ckns_of(describe_connection(client, member)) == [ckn]

    advance_clock(clock_server, 2 * DAY)
    lag_now = describe_lag(client, lag_id)
    assert keys_of(lag_now) == []
    assert lag_now["encryptionMode"] == "should_encrypt"
    assert {m["connectionId"] for m in lag_now["connections"]} == set(members)
    for member in lag_now["connections"]:
        assert keys_of(member) == [], member
    for member in members:
        connection = describe_connection(client, member)
        assert keys_of(connection) == []
        assert connection["encryptionMode"] == "should_encrypt"
        assert connection["portEncryptionStatus"] == ENCRYPTION_DOWN
    expect_error(lambda: secrets_client.describe_secret(SecretId=arn), SM_NOT_FOUND)


@pytest.mark.slow
def test_expiry_of_one_of_two_keys_keeps_must_encrypt(clock_server, dx, sm, account):
    client = dx(account=account, server=clock_server)
    secrets_client = sm(account=account, server=clock_server)
    connection_id = create_connection(client)
    first, first_ckn, _ = associate_key(client, connection_id)
    second, second_ckn, _ = associate_key(client, connection_id)
    first_arn = first["macSecKeys"][-1]["secretARN"]
    second_arn = second["macSecKeys"][-1]["secretARN"]
    client.update_connection(connectionId=connection_id, encryptionMode="must_encrypt")

    secrets_client.delete_secret(SecretId=first_arn, RecoveryWindowInDays=7)
    advance_clock(clock_server, 8 * DAY)
    connection = describe_connection(client, connection_id)
    assert ckns_of(connection) == [second_ckn]
    assert keys_of(connection)[0]["secretARN"] == second_arn
    assert keys_of(connection)[0]["state"] == "associated"
    assert connection["encryptionMode"] == "must_encrypt"
    assert connection["portEncryptionStatus"] == ENCRYPTION_UP
    expect_error(lambda: secrets_client.describe_secret(SecretId=first_arn), SM_NOT_FOUND)
    assert secrets_client.describe_secret(SecretId=second_arn)["OwningService"] == "directconnect"
    assert first_ckn not in ckns_of(connection)


@pytest.mark.slow
def test_restored_secret_keeps_its_key_past_the_old_date(clock_server, dx, sm, account):
    client = dx(account=account, server=clock_server)
    secrets_client = sm(account=account, server=clock_server)
    connection_id = create_connection(client)
    response, ckn, _ = associate_key(client, connection_id)
    arn = response["macSecKeys"][-1]["secretARN"]
    client.update_connection(connectionId=connection_id, encryptionMode="must_encrypt")
    secrets_client.delete_secret(SecretId=arn, RecoveryWindowInDays=7)
    advance_clock(clock_server, 3 * DAY)
    secrets_client.restore_secret(SecretId=arn)
    advance_clock(clock_server, 10 * DAY)
    connection = describe_connection(client, connection_id)
    assert ckns_of(connection) == [ckn]
    assert connection["encryptionMode"] == "must_encrypt"
    assert "DeletedDate" not in secrets_client.describe_secret(SecretId=arn)


# --------------------------------------------------------------------------------------
# 8. Isolation by account and region
# --------------------------------------------------------------------------------------


@pytest.fixture(params=["other-account", "other-region"])
def observer(request, sm, account):
    if request.param == "other-account":
        return sm(account=random_account(), region="us-east-1")
    return sm(account=account, region="us-west-2")


@pytest.fixture
def owned(client, secrets_client):
    user = _create(secrets_client, Tags=[{"Key": "owner", "Value": "me"}])
    managed = _managed(client, secrets_client)
    managed["name"] = secrets_client.describe_secret(SecretId=managed["arn"])["Name"]
    return {"user": user, "managed": managed}


def _owner_state(client, secrets_client, owned, observer=None) -> dict:
    """The owner's secrets and keys, its whole account (both services) and, given, the observer's secrets."""
    state = {"user": _snapshot(secrets_client, owned["user"]["ARN"]),
             "managed": _snapshot(secrets_client, owned["managed"]["arn"], values=False),
             "connection": _connection_keys(client, owned["managed"]["connection"]),
             "names": sorted(secret_names(secrets_client, IncludePlannedDeletion=True)),
             "account": account_snapshot(client, secrets_client)}
    if observer is not None:
        state["observer"] = secrets_snapshot(observer)
    return state


def _ids(owned) -> list[str]:
    user = owned["user"]
    return [user["Name"], user["ARN"], user["ARN"][:-7], owned["managed"]["arn"], owned["managed"]["name"]]


def test_isolation_describe_and_get(client, secrets_client, owned, observer):
    before = _owner_state(client, secrets_client, owned, observer)
    for secret_id in _ids(owned):
        expect_error(lambda: observer.describe_secret(SecretId=secret_id), SM_NOT_FOUND)
        expect_error(lambda: observer.get_secret_value(SecretId=secret_id), SM_NOT_FOUND)
    assert _owner_state(client, secrets_client, owned, observer) == before


def test_isolation_list(client, secrets_client, owned, observer):
    mine = _create(observer)
    assert secret_names(observer, IncludePlannedDeletion=True) == [mine["Name"]]
    assert secret_names(observer, Filters=[{"Key": "owning-service", "Values": ["directconnect"]}]) == []
    assert secret_names(observer, Filters=[{"Key": "name", "Values": [owned["user"]["Name"]]}]) == []
    assert owned["user"]["Name"] in secret_names(secrets_client)


def test_isolation_delete_and_restore(client, secrets_client, owned, observer):
    before = _owner_state(client, secrets_client, owned, observer)
    for secret_id in _ids(owned):
        expect_error(lambda: observer.delete_secret(SecretId=secret_id, RecoveryWindowInDays=7), SM_NOT_FOUND)
        # To the observer the secret is not there, and forcing the deletion of one that is not there is no error
        # (the model): it answers, and deletes nothing (the owner's state below).
        observer.delete_secret(SecretId=secret_id, ForceDeleteWithoutRecovery=True)
        expect_error(lambda: observer.restore_secret(SecretId=secret_id), SM_NOT_FOUND)
    assert _owner_state(client, secrets_client, owned, observer) == before


def test_isolation_tag_and_untag(client, secrets_client, owned, observer):
    before = _owner_state(client, secrets_client, owned, observer)
    for secret_id in _ids(owned):
        expect_error(lambda: observer.tag_resource(SecretId=secret_id, Tags=[{"Key": "owner", "Value": "thief"}]),
                     SM_NOT_FOUND)
        expect_error(lambda: observer.untag_resource(SecretId=secret_id, TagKeys=["owner"]), SM_NOT_FOUND)
    assert _owner_state(client, secrets_client, owned, observer) == before


def test_isolation_put_and_update(client, secrets_client, owned, observer):
    before = _owner_state(client, secrets_client, owned, observer)
    for secret_id in _ids(owned):
        expect_error(lambda: observer.put_secret_value(SecretId=secret_id, SecretString=_value()), SM_NOT_FOUND)
        expect_error(lambda: observer.update_secret(SecretId=secret_id, Description="x"), SM_NOT_FOUND)
    assert _owner_state(client, secrets_client, owned, observer) == before


def test_isolation_same_name_is_another_secret(client, secrets_client, owned, observer):
    before = _owner_state(client, secrets_client, owned)
    value = _value()
    theirs = observer.create_secret(Name=owned["user"]["Name"], SecretString=value)
    assert theirs["ARN"] != owned["user"]["ARN"]
    assert observer.get_secret_value(SecretId=owned["user"]["Name"])["SecretString"] == value
    assert secrets_client.get_secret_value(SecretId=owned["user"]["Name"])["SecretString"] == owned["user"]["_value"]
    # The owner's ARN (full or partial) still names nothing for the observer, not its namesake.
    expect_error(lambda: observer.describe_secret(SecretId=owned["user"]["ARN"]), SM_NOT_FOUND)
    expect_error(lambda: observer.get_secret_value(SecretId=owned["user"]["ARN"][:-7]), SM_NOT_FOUND)
    observer.delete_secret(SecretId=owned["user"]["Name"], ForceDeleteWithoutRecovery=True)
    assert _owner_state(client, secrets_client, owned) == before
