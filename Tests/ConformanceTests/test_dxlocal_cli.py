"""`dxlocal directconnect ...` and `dxlocal macsec ...` beside the AWS CLI: same arguments, same answers.

Both CLIs run as subprocesses against the same server, with the same environment and config files, so these
tests also check that dxlocal resolves endpoints, regions, credentials and profiles as the AWS CLI does.
"""

import concurrent.futures
import http.server
import json
import os
import re
import subprocess
import sys
import threading

import pytest

import dxhelpers
from dxhelpers import cli_env, create_connection, create_lag, random_hex64, raw_request, run_cli


def dxlocal_cli(binary, url, account, tmp_path, *args, stdin="", region="us-east-1", endpoint=True):
    command = [str(binary), *args]
    if endpoint:
        command += ["--endpoint-url", url]
    if region:
        command += ["--region", region]
    return subprocess.run(command, env=cli_env(account, tmp_path), input=stdin, capture_output=True, text=True,
                          timeout=120)


def _ok(result):
    assert result.returncode == 0, f"failed ({result.returncode}):\n{result.stderr}"
    return json.loads(result.stdout)


def test_describe_verbs_answer_as_the_aws_cli_does(server, client, account, dxlocal_bin, tmp_path):
    connection_id = create_connection(client, name="same-answers")
    lag_id = create_lag(client)["lagId"]
    cases = [
        ("describe-connections", "--connection-id", connection_id),
        ("describe-connections",),
        ("describe-lags", "--lag-id", lag_id),
        ("describe-locations",),
    ]
    for args in cases:
        ours = dxlocal_cli(dxlocal_bin, server.url, account, tmp_path, "directconnect", *args)
        theirs = run_cli(server.url, account, tmp_path, *args)
        assert _ok(ours) == _ok(theirs), args
        # The very text: members in the model's order, four spaces a level (dxlocal prints its writer's bytes).
        assert ours.stdout == theirs.stdout, args


def test_service_errors_match_the_aws_cli(server, account, dxlocal_bin, tmp_path):
    args = ("describe-connections", "--connection-id", "dxcon-zzzzzzzz")
    ours = dxlocal_cli(dxlocal_bin, server.url, account, tmp_path, "directconnect", *args)
    theirs = run_cli(server.url, account, tmp_path, *args)
    # AWS CLI v2 exits 254 on a service error (v1, installed here, 255); dxlocal follows v2.
    assert ours.returncode == 254
    assert theirs.returncode != 0
    # One attempt allowed (cli_env), so both say it was the last, in botocore's standard mode's words.
    assert ours.stderr.strip() == theirs.stderr.strip()
    assert ours.stderr.strip().startswith(
        "An error occurred (DirectConnectClientException) when calling the DescribeConnections operation "
        "(reached max retries: 0): Could not find Connection with ID dxcon-zzzzzzzz")


def test_parameters_the_model_refuses_are_refused_as_the_aws_cli_refuses_them(server, client, account, dxlocal_bin,
                                                                              tmp_path):
    """botocore's parameter validation, which the AWS CLI runs before a call: the same problems, line for line, at
    every depth (required and unknown members, types, minimum lengths), exit 64, and nothing reaches the server."""
    cases = [
        ("create-private-virtual-interface", "--connection-id", "dxcon-zzzzzzzz", "--new-private-virtual-interface",
         json.dumps({"vlan": "ten", "bogus": 1, "tags": [{"value": "v"}, {"key": "", "Value": "w"}]})),
        ("create-connection", "--location", "EqDC2", "--bandwidth", "1Gbps", "--connection-name", "refused",
         "--tags", "[]"),
        ("create-connection", "--location", "EqDC2", "--bandwidth", "1Gbps", "--connection-name", "refused",
         "--tags", "Key=k,Value=v", "key=a,value=b,c"),
        ("create-private-virtual-interface", "--connection-id", "dxcon-zzzzzzzz", "--new-private-virtual-interface",
         '{"virtualInterfaceName": "a", "vlan": 1.50, "vlan": 2.5e1, "tags": '
         + json.dumps({"key": "it's \\ \"q\"\n"}) + "}"),
    ]
    for args in cases:
        ours = dxlocal_cli(dxlocal_bin, server.url, account, tmp_path, "directconnect", *args)
        theirs = run_cli(server.url, account, tmp_path, *args)
        assert ours.returncode == 64 and theirs.returncode != 0, (ours.stderr, theirs.stderr)
        assert ours.stderr.startswith("\nParameter validation failed:\n"), ours.stderr
        assert ours.stderr == theirs.stderr
    assert client.describe_connections()["connections"] == []


def both_clis(dxlocal_bin, env, *args):
    """The AWS CLI (`python -m awscli`) and dxlocal on the same arguments and environment, run side by side."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        theirs = pool.submit(subprocess.run, [sys.executable, "-m", "awscli", "directconnect", *args], env=env,
                             capture_output=True, text=True, timeout=120)
        ours = pool.submit(subprocess.run, [str(dxlocal_bin), "directconnect", *args], env=env, capture_output=True,
                           text=True, timeout=120)
        return ours.result(), theirs.result()


def each_pair(dxlocal_bin, env, base, texts):
    """`both_clis` for each text after `base`, two texts at a time (the AWS CLI's start-up is most of a case)."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return list(zip(texts, pool.map(lambda text: both_clis(dxlocal_bin, env, *base, text), texts)))


# The AWS CLI's own refusals, before any call reaches a store: the SQLite pass only.
@pytest.mark.third_party
def test_json_the_aws_cli_cannot_read_is_refused_in_its_words(server, client, account, dxlocal_bin, tmp_path):
    """A parameter's JSON is read as Python's json.loads reads it: each refusal with its message, line, column and
    character (counted in characters), as the AWS CLI prints it; exit 64, nothing sent. Before, dxlocal said
    `Error: --tags: not JSON` for every one."""
    env = cli_env(account, tmp_path)
    base = ("create-connection", "--location", "EqDC2", "--bandwidth", "1Gbps", "--connection-name", "refused",
            "--endpoint-url", server.url, "--region", "us-east-1", "--tags")
    texts = ['[{', '[{}', '[{"key" 1}]', '[{"key":"a",}]', '[1,]', '[1 2]', '[{key:1}]', '["abc', '["a\\qb"]',
             '["a\\u12zz"]', '["a\x01b"]', '[01]', '[1.]', '[-]', '[1]x', '[tru]', '["é", x]',
             '[{"key":"a"}]\n{"b"', '[\n\n  1,\n x]', '[{"key":[1,{"b":}]}]', '[+1]']
    for text, (ours, theirs) in each_pair(dxlocal_bin, env, base, texts):
        assert ours.returncode == 64 and theirs.returncode != 0, (text, ours.stderr, theirs.stderr)
        assert ours.stderr.startswith("\nError parsing parameter '--tags': Invalid JSON: "), ours.stderr
        assert ours.stderr == theirs.stderr, text
    # Nesting the AWS CLI's json.loads reads, and nesting past Python's recursion limit (its RecursionError, printed
    # as it is; a recursive reader's stack ran out at 5,000 and the process died); whitespace before the bracket; a
    # file's text as it is (not trimmed: the place counts its last newline), and a file that is not there.
    (tmp_path / "tags.json").write_text('[{"key":"a",\n "value":"b"},\n')
    more = ["[" * 970, "[" * 1000, "[" + '{"a":' * 1000, "[" * 100000, " \t[{", "\n\n[1 2]",
            f"file://{tmp_path / 'tags.json'}", f"file://{tmp_path / 'absent.json'}", f"file://{tmp_path}"]
    for text, (ours, theirs) in each_pair(dxlocal_bin, env, base, more):
        assert ours.returncode == 64 and theirs.returncode != 0, (text[:40], ours.returncode, ours.stderr[:300])
        assert ours.stderr == theirs.stderr, text[:40]
    # Where the limit falls depends on the frames under the call: 981 levels are read by the `aws` command (one
    # frame fewer than `python -m awscli`), and dxlocal reads as `aws` does.
    assert "Invalid JSON: Expecting value" in both_clis(dxlocal_bin, env, *base, "[" * 981)[0].stderr
    assert "\nmaximum recursion depth exceeded while decoding a JSON array from a unicode string\n" == both_clis(
        dxlocal_bin, env, *base, "[" * 982)[0].stderr
    # What json.loads takes and the model refuses (NaN is a float, a lone surrogate a string) is botocore's to report.
    valid = ['[{"key": NaN, "value": -Infinity}]', '[{"key": "\\ud83d\\ude00", "value": 1.5e1}]']
    for text, (ours, theirs) in each_pair(dxlocal_bin, env, base, valid):
        assert ours.stderr.startswith("\nParameter validation failed:\n"), ours.stderr
        assert ours.stderr == theirs.stderr, text
    assert client.describe_connections()["connections"] == []
    # JSON after whitespace is JSON (the AWS CLI strips a value before it looks for a bracket), not shorthand.
    made = json.loads(both_clis(dxlocal_bin, env, *base[:-1], "--connection-name", "spaced", "--tags",
                                ' \n [{"key": "k", "value": "v"}]')[0].stdout)
    assert made["tags"] == [{"key": "k", "value": "v"}]


# The AWS CLI's own refusals, before any call reaches a store: the SQLite pass only.
@pytest.mark.third_party
def test_what_fails_before_an_answer_is_reported_as_the_aws_cli_reports_it(server, client, account, dxlocal_bin,
                                                                          tmp_path):
    """botocore's order: the arguments' JSON, then the client's settings (region, partial credentials), then the
    input's validation, and credentials only when the call is signed; each failure in botocore's words."""
    with_keys = cli_env(account, tmp_path)
    no_keys = {k: v for k, v in with_keys.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    half_keys = {**no_keys, "AWS_ACCESS_KEY_ID": account}
    bad_input = ("create-connection", "--location", "EqDC2", "--bandwidth", "1Gbps", "--connection-name", "n",
                 "--tags", '[{"value": "v"}]', "--endpoint-url", server.url)
    bad_json = bad_input[:-3] + ("[{", "--endpoint-url", server.url)
    cases = [
        # (environment, arguments, what the first line says)
        (no_keys, ("describe-connections", "--endpoint-url", server.url, "--region", "us-east-1"),
         "Unable to locate credentials. You can configure credentials by running \"aws configure\"."),
        (no_keys, bad_input + ("--region", "us-east-1"), "Parameter validation failed:"),
        (no_keys, bad_json + ("--region", "us east"), "Error parsing parameter '--tags'"),
        (no_keys, bad_input + ("--region", "us east"), "Provided region_name 'us east' doesn't match"),
        (half_keys, bad_input + ("--region", "us east"), "Provided region_name 'us east' doesn't match"),
        (half_keys, bad_input + ("--region", "us-east-1"), "Partial credentials found in env, missing: "
                                                           "AWS_SECRET_ACCESS_KEY"),
        (with_keys, ("describe-locations", "--endpoint-url", "http://127.0.0.1:1", "--region", "us-east-1"),
         'Could not connect to the endpoint URL: "http://127.0.0.1:1/"'),
        (no_keys, bad_input, 'You must specify a region. You can also configure your region by running "aws configure".'),
    ]
    for env, args, said in cases:
        ours, theirs = both_clis(dxlocal_bin, env, *args)
        assert ours.returncode != 0 and theirs.returncode != 0, (args, ours.stderr)
        assert said in ours.stderr.lstrip("\n").splitlines()[0], (args, ours.stderr)
        assert ours.stderr == theirs.stderr, args
    assert client.describe_connections()["connections"] == []


@pytest.mark.third_party
def test_an_endpoint_url_is_refused_where_and_as_the_aws_cli_refuses_it(server, client, account, dxlocal_bin,
                                                                       tmp_path):
    """An `--endpoint-url` without a scheme is refused before anything else (the AWS CLI's own check); botocore's
    `Invalid endpoint` and Python's URL refusals when the client is made (after the region, before the input's check
    and missing credentials); the port and the scheme only when the request is made; a query is sent and signed.
    Before, each was refused at the call, after the input's check, as "not an http(s) URL with a host"."""
    with_keys = cli_env(account, tmp_path)
    no_keys = {k: v for k, v in with_keys.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    tags = ("create-connection", "--location", "EqDC2", "--bandwidth", "1Gbps", "--connection-name", "n",
            "--region", "us-east-1", "--tags")
    bad_json, bad_input = tags + ("[{",), tags + ('[{"value": "v"}]',)
    describe = ("describe-connections", "--region", "us-east-1", "--endpoint-url")
    cases = [
        # (environment, arguments, what the first line says)
        (with_keys, bad_json + ("--endpoint-url", "127.0.0.1:4566"),
         'Bad value for --endpoint-url "127.0.0.1:4566": scheme is missing.  Must be of the form'),
        (with_keys, bad_json + ("--endpoint-url", "http://[::1"), "Invalid IPv6 URL"),
        (no_keys, bad_input + ("--endpoint-url", "localhost:4566"), "Invalid endpoint: localhost:4566"),
        (with_keys, bad_input + ("--endpoint-url", "http://[1.2.3.4]/"), "An IPv4 address cannot be in brackets"),
        (with_keys, bad_input[:-4] + ("--region", "us east", "--tags", "[]", "--endpoint-url", "localhost:4566"),
         "Provided region_name 'us east' doesn't match"),
        ({**with_keys, "AWS_ENDPOINT_URL": "exa_mple.com:1"}, describe[:-1], "Invalid endpoint: exa_mple.com:1"),
        (with_keys, bad_input + ("--endpoint-url", "http://127.0.0.1:99999"), "Parameter validation failed:"),
        (with_keys, describe + ("http://127.0.0.1:99999",), "Port out of range 0-65535"),
        (with_keys, describe + ("http://127.0.0.1:x1",), "Port could not be cast to integer value as 'x1'"),
        (with_keys, describe + ("ftp://127.0.0.1:1",),
         "An HTTP Client raised an unhandled exception: Not supported URL scheme ftp"),
        (no_keys, describe + ("ftp://127.0.0.1:1",), "Unable to locate credentials."),
        (with_keys, describe + ("Http://127.0.0.1:1?a=b#f",),
         'Could not connect to the endpoint URL: "http://127.0.0.1:1/?a=b#f"'),
    ]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda case: both_clis(dxlocal_bin, case[0], *case[1]), cases))
    for (env, args, said), (ours, theirs) in zip(cases, results):
        # The AWS CLI v1 exits 255 on a refused parameter too; dxlocal exits 64 there (as the v2's argument errors).
        refused_input = said.startswith("Parameter validation")
        assert ours.returncode == (64 if refused_input else 255) and theirs.returncode == 255, (args, ours.stderr)
        assert said in ours.stderr.lstrip("\n").splitlines()[0], (args, ours.stderr)
        assert ours.stderr == theirs.stderr, args
    ours, theirs = both_clis(dxlocal_bin, with_keys, *describe, server.url + "/?from=test#ignored")
    assert ours.returncode == 0 and theirs.returncode == 0, (ours.stderr, theirs.stderr)
    assert json.loads(ours.stdout) == json.loads(theirs.stdout) == {"connections": []}
    assert client.describe_connections()["connections"] == []


class _BodyRecorder(http.server.ThreadingHTTPServer):
    """Answers every call `{}` and keeps each request's body by the path it was sent to."""

    def __init__(self):
        recorder = self
        self.bodies: dict[str, bytes] = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                recorder.bodies[self.path] = self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)


# The AWS CLI's own parsing, against a recorder: no store is involved (the SQLite pass only).
@pytest.mark.third_party
def test_shorthand_is_read_as_the_aws_cli_reads_it(account, dxlocal_bin, tmp_path):
    """A structure (or a list of them) in the AWS CLI's shorthand, as its examples give them: both CLIs send the
    same input, or refuse it with the same words. Before, dxlocal read only flat `name=value` lists of structures and
    refused a structure's shorthand as invalid JSON."""
    secret = tmp_path / "auth-key"
    secret.write_text("from-a-file\n")
    vif = ("create-private-virtual-interface", "--connection-id", "dxcon-x", "--new-private-virtual-interface")
    transit = ("create-transit-virtual-interface", "--connection-id", "dxcon-x", "--new-transit-virtual-interface")
    peer = ("create-bgp-peer", "--virtual-interface-id", "dxvif-x", "--new-bgp-peer")
    prefixes = ("update-direct-connect-gateway-association", "--association-id", "a",
                "--add-allowed-prefixes-to-direct-connect-gateway")
    cases = [
        # The AWS CLI's own examples (awscli/examples/directconnect).
        vif + ("virtualInterfaceName=PrivateVirtualInterface,vlan=101,asn=65000,authKey=asdf34example,"
               "amazonAddress=192.168.1.1/30,customerAddress=192.168.1.2/30,virtualGatewayId=vgw-aba37db6",),
        transit + ("virtualInterfaceName=Example Transit Virtual Interface,vlan=126,asn=65110,mtu=1500,"
                   "authKey=0xzxgA9YoW9h58u8SvEXAMPLE,amazonAddress=192.168.1.1/30,customerAddress=192.168.1.2/30,"
                   "addressFamily=ipv4,directConnectGatewayId=8384da05-13ce-4a91-aada-5a1baEXAMPLE,"
                   "tags=[{key=Tag,value=Example}]",),
        peer + ("asn=64600,addressFamily=ipv6",),
        prefixes + ("cidr=192.168.1.0/30",),
        ("tag-resource", "--resource-arn", "arn:x", "--tags", "key=Name,value=VAConnection", "key=b"),
        # Typed by the model: a single value for a list, Python's int, booleans in any case (else refused).
        vif + ("virtualInterfaceName=v,vlan= 0012 ,asn=+1_000,enableSiteLink=TRUE,tags={key=a,value=b}",),
        vif + ("virtualInterfaceName=v,vlan=1,asn=1,enableSiteLink=yes,tags=[{key=a}, {value=b}]",),
        peer + ("asn=abc",), peer + ("asn=1,2",), peer + ("asn={a=b}",), peer + ("asn=",),
        # Quoting, escaped commas, whitespace, lists that end at the next key, nested literals, files.
        peer + ("authKey=a\\,b,asn=1",), peer + ("authKey='it\\'s',asn=1",), peer + ('authKey="x y" , asn = 7',),
        peer + ("customerAddress=a,b,c,asn=2",), peer + ("asn=1,,authKey=2",), peer + ("authKey=x=y,asn=1",),
        peer + ("authKey={a=e,b=[1,{c=d}]},asn=1,addressFamily=[]",), peer + ("authKey=é☃,asn=٣",),
        peer + (f"authKey@=file://{secret},asn=1",), peer + (f"authKey@=file://{secret}.missing,asn=1",),
        # Refusals of the grammar, in its words (the AWS CLI prints its template's placeholder as it is).
        peer + ("asn=1,asn=2",), peer + ("asn=1,\nasn=2",), peer + ("asn",), peer + ("asn=[1,2",),
        peer + ("authKey='abc",), prefixes + ("cidr=10.0.0.0/8", '{"cidr": "x"}'),
        prefixes + ('{"cidr": "x"}', "cidr=10.0.0.0/8"),
        # What the AWS CLI's Python refuses on its way (found by review): nesting past its recursion limit (the
        # reader crashed at about 10,000 levels), a boolean given a list, int's repr of what it cannot read (its
        # escapes, its 200 characters), a structure given a JSON list, an empty item after a JSON one, a missing
        # fileb:// file.
        peer + ("authKey=" + "[" * 488 + "]" * 488,), peer + ("authKey=" + "{a=" * 20000,),
        vif + ("virtualInterfaceName=a,vlan=1,asn=1,enableSiteLink=true,false",),
        peer + ("asn=\"a\x01\r\nb\x85c\u200bd'\"",), peer + ("asn=" + "a" * 300,), peer + ('[{"asn": 1}]',),
        prefixes + ('{"cidr": "x"}', "  "), peer + (f"authKey@=fileb://{secret}.missing",),
    ]
    recorder = _BodyRecorder()
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    env = cli_env(account, tmp_path)
    url = f"http://127.0.0.1:{recorder.server_address[1]}"

    def run_both(numbered):
        number, args = numbered
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            theirs = pool.submit(subprocess.run, [sys.executable, "-m", "awscli", "directconnect", *args,
                                                  "--region", "us-east-1", "--endpoint-url", f"{url}/theirs{number}"],
                                 env=env, capture_output=True, text=True, timeout=120)
            ours = pool.submit(subprocess.run, [str(dxlocal_bin), "directconnect", *args, "--region", "us-east-1",
                                                "--endpoint-url", f"{url}/ours{number}"],
                               env=env, capture_output=True, text=True, timeout=120)
            return ours.result(), theirs.result()

    try:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            results = list(pool.map(run_both, enumerate(cases)))
    finally:
        recorder.shutdown()
    sent = 0
    for number, (args, (ours, theirs)) in enumerate(zip(cases, results)):
        theirs_sent = recorder.bodies.get(f"/theirs{number}")
        ours_sent = recorder.bodies.get(f"/ours{number}")
        if theirs_sent is None:
            assert theirs.returncode != 0 and ours_sent is None, (args, ours.stderr, theirs.stderr)
            assert ours.returncode == 64 and ours.stderr == theirs.stderr, args
        else:
            sent += 1
            assert ours.returncode == 0 and ours_sent is not None, (args, ours.stderr)
            assert json.loads(ours_sent) == json.loads(theirs_sent), args
    assert sent == 13, "the cases the AWS CLI sends are no longer the ones it sent when this test was written"


def test_a_profile_with_a_services_block_is_read_like_the_aws_cli(server, client, account, dxlocal_bin, tmp_path):
    connection_id = create_connection(client, name="profile")
    config = tmp_path / "shared-config"
    config.write_text(
        "[profile dxlocal]\n"
        "region = us-east-1\n"
        f"aws_access_key_id = {account}\n"
        "aws_secret_access_key = unused\n"
        "services = local\n"
        "\n"
        "[services local]\n"
        "direct_connect =\n"
        f"  endpoint_url = {server.url}\n"
    )
    env = {k: v for k, v in cli_env(account, tmp_path).items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_PAGER="")
    args = ["describe-connections", "--connection-id", connection_id, "--profile", "dxlocal"]
    ours = subprocess.run([str(dxlocal_bin), "directconnect", *args], env=env, capture_output=True, text=True,
                          timeout=120)
    theirs = subprocess.run([sys.executable, "-m", "awscli", "directconnect", *args, "--output", "json"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert _ok(ours) == _ok(theirs)
    assert _ok(ours)["connections"][0]["ownerAccount"] == account


def test_associate_with_the_cak_on_standard_input_then_rotate(server, client, account, dxlocal_bin, tmp_path):
    connection_id = create_connection(client, name="rotate")
    ckn, cak = random_hex64(), random_hex64()
    associated = _ok(dxlocal_cli(dxlocal_bin, server.url, account, tmp_path, "directconnect",
                                 "associate-mac-sec-key", "--connection-id", connection_id, "--ckn", ckn,
                                 "--cak", "-", stdin=cak + "\n"))
    assert cak not in json.dumps(associated).lower()
    (old,) = associated["macSecKeys"]

    # A generated pair's CAK must go somewhere the router can read it: without --cak-file nothing happens.
    refused = dxlocal_cli(dxlocal_bin, server.url, account, tmp_path, "macsec", "rotate",
                          "--connection-id", connection_id)
    assert refused.returncode == 64 and "--cak-file" in refused.stderr, refused.stderr
    cak_file = tmp_path / "next.cak"
    rotated = dxlocal_cli(dxlocal_bin, server.url, account, tmp_path, "macsec", "rotate",
                          "--connection-id", connection_id, "--cak-file", str(cak_file))
    report = _ok(rotated)
    assert [k["secretARN"] for k in report["disassociated"]] == [old["secretARN"]]
    keys = client.describe_connections(connectionId=connection_id)["connections"][0]["macSecKeys"]
    assert [k["secretARN"] for k in keys] == [report["associated"]["secretARN"]]
    assert keys[0]["state"] == "associated"
    written = cak_file.read_text()
    assert re.fullmatch("[0-9a-f]{64}", written) and cak_file.stat().st_mode & 0o777 == 0o600
    assert written not in rotated.stdout + rotated.stderr
    # The file is never written over (it may hold the only copy of a CAK in use): refused before anything changes.
    again = dxlocal_cli(dxlocal_bin, server.url, account, tmp_path, "macsec", "rotate",
                        "--connection-id", connection_id, "--cak-file", str(cak_file))
    assert again.returncode != 0 and "exists already" in again.stderr, again.stderr
    assert cak_file.read_text() == written
    assert client.describe_connections(connectionId=connection_id)["connections"][0]["macSecKeys"] == keys


def test_generate_key_never_writes_over_a_file(tmp_path, dxlocal_bin):
    target = tmp_path / "in-use.cak"
    target.write_text("precious")
    result = subprocess.run([str(dxlocal_bin), "macsec", "generate-key", "--cak-file", str(target)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 64 and "exists already" in result.stderr, result.stderr
    assert "Usage: dxlocal <subcommand>" not in result.stderr  # the root's usage says nothing here
    assert target.read_text() == "precious"
    fresh = tmp_path / "fresh.cak"
    printed = _ok(subprocess.run([str(dxlocal_bin), "macsec", "generate-key", "--cak-file", str(fresh)],
                                 capture_output=True, text=True, timeout=60))
    assert printed["cakFile"] == str(fresh) and "cak" not in printed
    assert fresh.stat().st_mode & 0o777 == 0o600 and re.fullmatch("[0-9a-f]{64}", fresh.read_text())


def test_a_refused_rotation_leaves_no_key_file(server, account, dxlocal_bin, tmp_path):
    target = tmp_path / "unused.cak"
    result = dxlocal_cli(dxlocal_bin, server.url, account, tmp_path, "macsec", "rotate", "--connection-id",
                         "dxcon-zzzzzzzz", "--cak-file", str(target))
    assert result.returncode == 1 and "Could not find Connection" in result.stderr, result.stderr
    assert not target.exists()


@pytest.mark.parametrize("interval", ["0.0001", "0"])
def test_rotate_refuses_a_poll_interval_under_a_millisecond(server, account, dxlocal_bin, tmp_path, interval):
    result = dxlocal_cli(dxlocal_bin, server.url, account, tmp_path, "macsec", "rotate", "--connection-id",
                         "dxcon-zzzzzzzz", "--cak-file", str(tmp_path / "k"), "--poll-interval", interval)
    assert result.returncode == 64 and "--poll-interval 0.001 to 3600" in result.stderr, result.stderr
    assert not (tmp_path / "k").exists()


def test_rotate_takes_an_interconnects_keys_too(server, account, dxlocal_bin, tmp_path):
    dx = dxhelpers.make_client(server.url, account=account)
    interconnect = dx.create_interconnect(interconnectName="nni", bandwidth="10Gbps", location="EqDC2",
                                          requestMACSec=True)["interconnectId"]
    old = dx.associate_mac_sec_key(connectionId=interconnect, ckn=random_hex64(), cak=random_hex64())[
        "macSecKeys"][0]["secretARN"]
    report = _ok(dxlocal_cli(dxlocal_bin, server.url, account, tmp_path, "macsec", "rotate", "--connection-id",
                             interconnect, "--ckn", random_hex64(), "--cak", "-", stdin=random_hex64()))
    assert [k["secretARN"] for k in report["disassociated"]] == [old]
    (listed,) = dx.describe_interconnects(interconnectId=interconnect)["interconnects"]
    assert [k["secretARN"] for k in listed["macSecKeys"]] == [report["associated"]["secretARN"]]


def test_generated_keys_are_accepted_by_the_service(server, client, account, dxlocal_bin, tmp_path):
    connection_id = create_connection(client, name="generated")
    pair = _ok(subprocess.run([str(dxlocal_bin), "macsec", "generate-key"], capture_output=True, text=True,
                              timeout=60, env=dict(os.environ)))
    response = client.associate_mac_sec_key(connectionId=connection_id, ckn=pair["ckn"], cak=pair["cak"])
    assert response["macSecKeys"][-1]["ckn"].lower() == pair["ckn"]


def test_the_generated_verbs_take_the_aws_clis_arguments_through_the_partner_flow(server, dxlocal_bin, tmp_path):
    """Issue 22: the verbs of the operations beyond MACsec (hosted connections, gateways, associations, virtual
    interfaces, LOAs) take the AWS CLI's names and JSON arguments; a partner and a customer go from an interconnect
    to a private interface with dxlocal alone, and the AWS CLI reads back the same answers."""
    from dxhelpers import random_account

    partner, customer = random_account(), random_account()

    def ours(account, *args):
        return _ok(dxlocal_cli(dxlocal_bin, server.url, account, tmp_path, "directconnect", *args))

    def theirs(account, *args):
        return _ok(run_cli(server.url, account, tmp_path, *args))

    nni = ours(partner, "create-interconnect", "--interconnect-name", "nni", "--bandwidth", "10Gbps", "--location",
               "EqDC2", "--tags", "key=role,value=nni")["interconnectId"]
    hosted = ours(partner, "allocate-hosted-connection", "--connection-id", nni, "--owner-account", customer,
                  "--bandwidth", "1Gbps", "--connection-name", "cli", "--vlan", "77",
                  "--tags", '[{"key": "order", "value": "7"}]')
    assert (hosted["connectionState"], hosted["ownerAccount"], hosted["vlan"]) == ("ordering", customer, 77)
    listed = ("describe-hosted-connections", "--connection-id", nni)
    assert ours(partner, *listed) == theirs(partner, *listed)
    assert ours(customer, "confirm-connection", "--connection-id", hosted["connectionId"]) == {
        "connectionState": "pending"}
    gateway = ours(customer, "create-direct-connect-gateway", "--direct-connect-gateway-name", "gw",
                   "--amazon-side-asn", "64512")["directConnectGateway"]["directConnectGatewayId"]
    interface = ours(customer, "create-private-virtual-interface", "--connection-id", hosted["connectionId"],
                     "--new-private-virtual-interface",
                     json.dumps({"virtualInterfaceName": "v", "vlan": 77, "asn": 65077,
                                 "directConnectGatewayId": gateway}))
    described = ("describe-virtual-interfaces", "--virtual-interface-id", interface["virtualInterfaceId"])
    assert ours(customer, *described) == theirs(customer, *described)
    assert ours(customer, "update-virtual-interface-attributes", "--virtual-interface-id",
                interface["virtualInterfaceId"], "--mtu", "9001", "--no-enable-site-link")["mtu"] == 9001
    attachments = ("describe-direct-connect-gateway-attachments", "--direct-connect-gateway-id", gateway)
    assert ours(customer, *attachments) == theirs(customer, *attachments)
    arn = f"arn:aws:directconnect:us-east-1:{customer}:dxvif/{interface['virtualInterfaceId']}"
    # An empty answer prints nothing, as the AWS CLI prints nothing for it.
    tagged = dxlocal_cli(dxlocal_bin, server.url, customer, tmp_path, "directconnect", "tag-resource",
                         "--resource-arn", arn, "--tags", "key=a,value=1", "key=b,value=2")
    assert (tagged.returncode, tagged.stdout) == (0, ""), tagged.stderr
    tags = ours(customer, "describe-tags", "--resource-arns", arn)["resourceTags"][0]["tags"]
    assert tags == [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]
    # A required list left out is refused before any call, as the AWS CLI refuses it.
    for verb, missing in (("describe-tags", "--resource-arns"), ("untag-resource", "--tag-keys")):
        args = () if verb == "describe-tags" else ("--resource-arn", arn)
        refused = dxlocal_cli(dxlocal_bin, server.url, customer, tmp_path, "directconnect", verb, *args)
        assert refused.returncode == 64 and f"required: {missing}" in refused.stderr, refused.stderr
    # A structure from a file, as the AWS CLI takes it.
    structure = tmp_path / "interface.json"
    structure.write_text(json.dumps({"virtualInterfaceName": "from-file", "vlan": 78, "asn": 65078,
                                     "directConnectGatewayId": gateway}))
    own = ours(customer, "create-connection", "--location", "EqDC2", "--bandwidth", "1Gbps", "--connection-name",
               "own")["connectionId"]
    from_file = ours(customer, "create-private-virtual-interface", "--connection-id", own,
                     "--new-private-virtual-interface", f"file://{structure}")
    assert (from_file["virtualInterfaceName"], from_file["vlan"]) == ("from-file", 78)
    # Pages, with the AWS CLI's parameters.
    paged = ("describe-connections", "--max-results", "1")
    first_page, their_page = ours(customer, *paged), theirs(customer, *paged)
    assert first_page["connections"] == their_page["connections"] and len(first_page["connections"]) == 1
    # Tokens are opaque (sealed anew each time): the other page is the same through either.
    rest = ("describe-connections", "--max-results", "1", "--next-token")
    assert ours(customer, *rest, first_page["nextToken"])["connections"] == theirs(
        customer, *rest, their_page["nextToken"])["connections"]
    assert ours(customer, "describe-customer-metadata") == theirs(customer, "describe-customer-metadata")
    # JSON the model refuses is refused before any call, naming the option or the member.
    bad = dxlocal_cli(dxlocal_bin, server.url, customer, tmp_path, "directconnect",
                      "create-private-virtual-interface", "--connection-id", hosted["connectionId"],
                      "--new-private-virtual-interface", "{not json")
    assert bad.returncode != 0 and "--new-private-virtual-interface" in bad.stderr
    wrong = dxlocal_cli(dxlocal_bin, server.url, customer, tmp_path, "directconnect",
                        "create-private-virtual-interface", "--connection-id", hosted["connectionId"],
                        "--new-private-virtual-interface", '{"vlan": "seventy"}')
    assert wrong.returncode != 0 and "vlan" in wrong.stderr
    ours(customer, "delete-virtual-interface", "--virtual-interface-id", interface["virtualInterfaceId"])
    assert ours(partner, "delete-connection", "--connection-id", hosted["connectionId"])["connectionState"] == (
        "deleted")


def test_rotate_leaves_a_down_port_to_the_service(server, client, account, dxlocal_bin, tmp_path):
    """A port held down (the operator's `port-down`) is refused by the service as not available, which the rotation
    reports as its target not being ready, keychain untouched; once up, the rotation goes through."""
    connection_id = create_connection(client, name="held")
    client.associate_mac_sec_key(connectionId=connection_id, ckn=random_hex64(), cak=random_hex64())
    first = client.describe_connections(connectionId=connection_id)["connections"][0]["macSecKeys"]

    def simulate(event):
        body = json.dumps({"connectionId": connection_id, "event": event}).encode()
        response = raw_request(server.url, path="/_dxlocal/simulate", body=body, content_type="application/json")
        assert response.status == 200, response

    simulate("port-down")
    refused = dxlocal_cli(dxlocal_bin, server.url, account, tmp_path, "macsec", "rotate",
                          "--connection-id", connection_id, "--ckn", random_hex64(), "--cak", "-",
                          stdin=random_hex64())
    assert refused.returncode == 1, refused.stderr
    assert "targetNotReady" in refused.stderr and "The port is not in available state" in refused.stderr
    assert client.describe_connections(connectionId=connection_id)["connections"][0]["macSecKeys"] == first
    simulate("port-up")
    _ok(dxlocal_cli(dxlocal_bin, server.url, account, tmp_path, "macsec", "rotate", "--connection-id", connection_id,
                    "--cak-file", str(tmp_path / "after.cak")))
