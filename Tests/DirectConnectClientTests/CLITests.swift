import AWSClientRuntime
import ArgumentParser
import DirectConnectClient
import Foundation
import Synchronization
import Testing

@testable import dxlocal

/// Every `dxlocal directconnect` and `dxlocal macsec` command, parsed as the shell would pass it and run
/// against the in-process server.
@Suite struct CLITests {
    struct Run {
        var output: String
        var errors: String
        var exitCode: Int32

        /// The output as JSON.
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any] ?? [:]
        }
    }

    static let ckn = String(repeating: "12", count: 32)
    static let cak = String(repeating: "9f", count: 32)

    /// Runs `dxlocal ARGS...` with the server's endpoint in the environment, as `AWS_ENDPOINT_URL` users do.
    static func run(_ arguments: [String], server: LiveServer, stdin: String = "") async -> Run {
        await run(arguments, endpoint: server.endpoint, transport: AsyncHTTPClientTransport(), stdin: stdin)
    }

    /// Runs `dxlocal ARGS...` against `endpoint` through `transport`, with `environment` over the usual variables.
    static func run(
        _ arguments: [String],
        endpoint: String = "http://127.0.0.1:1",
        transport: any HTTPTransport,
        environment: [String: String] = [:],
        stdin: String = ""
    ) async -> Run {
        let output = Mutex("")
        let errors = Mutex("")
        let io = CommandIO(
            write: { text in output.withLock { $0 += text + "\n" } },
            writeError: { text in errors.withLock { $0 += text + "\n" } },
            readStandardInput: { stdin },
            environment: AWSEnvironment(
                variables: [
                    "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1",
                    "AWS_ACCESS_KEY_ID": "111122223333", "AWS_SECRET_ACCESS_KEY": "secret",
                ].merging(environment) { $1 },
                homeDirectory: nil
            ),
            transport: transport
        )
        var exitCode: Int32 = 0
        do {
            var command = try DXLocal.parseAsRoot(arguments)
            try await CommandIO.$current.withValue(io) {
                if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
            }
        } catch {
            exitCode = DXLocal.exitCode(for: error).rawValue
            if !(error is ExitCode) {
                errors.withLock { $0 += DXLocal.fullMessage(for: error) + "\n" }
            }
        }
        return Run(output: output.withLock { $0 }, errors: errors.withLock { $0 }, exitCode: exitCode)
    }

    static func createConnection(_ server: LiveServer, name: String = "cli") async throws -> String {
        let created = await run(
            [
                "directconnect", "create-connection", "--location", "EqDC2", "--bandwidth", "10Gbps",
                "--connection-name", name, "--request-mac-sec", "--tags", "key=team,value=net", "key=env,value=test",
            ],
            server: server
        )
        #expect(created.exitCode == 0, "\(created.errors)")
        #expect((created.json["tags"] as? [[String: String]])?.count == 2)
        return try #require(created.json["connectionId"] as? String)
    }

    @Test func connectionsAreCreatedDescribedUpdatedAndDeleted() async throws {
        try await LiveServer.with { server in
            let id = try await Self.createConnection(server)
            let described = await Self.run(
                ["directconnect", "describe-connections", "--connection-id", id],
                server: server
            )
            let connection = (described.json["connections"] as? [[String: Any]])?.first
            #expect(connection?["connectionState"] as? String == "available")
            #expect(connection?["macSecCapable"] as? Bool == true)

            let updated = await Self.run(
                [
                    "directconnect", "update-connection", "--connection-id", id, "--connection-name", "renamed",
                    "--encryption-mode", "must_encrypt",
                ],
                server: server
            )
            #expect(updated.json["connectionName"] as? String == "renamed")
            #expect(updated.json["encryptionMode"] as? String == "must_encrypt")

            let table = await Self.run(["directconnect", "describe-connections", "--output", "table"], server: server)
            #expect(table.output.contains("DescribeConnections.connections"))
            #expect(table.output.contains("| \(id) |"))

            let deleted = await Self.run(["directconnect", "delete-connection", "--connection-id", id], server: server)
            #expect(deleted.json["connectionState"] as? String == "deleted")
            let all = await Self.run(["directconnect", "describe-connections"], server: server)
            #expect((all.json["connections"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func lagsAreCreatedDescribedUpdatedAndDeleted() async throws {
        try await LiveServer.with { server in
            let created = await Self.run(
                [
                    "directconnect", "create-lag", "--number-of-connections", "2", "--location", "EqDC2",
                    "--connections-bandwidth", "10Gbps", "--lag-name", "lag", "--request-mac-sec",
                    "--child-connection-tags", #"[{"key":"child","value":"yes"}]"#,
                ],
                server: server
            )
            #expect(created.exitCode == 0, "\(created.errors)")
            let lagId = try #require(created.json["lagId"] as? String)
            let updated = await Self.run(
                ["directconnect", "update-lag", "--lag-id", lagId, "--lag-name", "renamed", "--minimum-links", "1"],
                server: server
            )
            #expect(updated.json["lagName"] as? String == "renamed")
            #expect(updated.json["minimumLinks"] as? Int == 1)
            let described = await Self.run(["directconnect", "describe-lags", "--lag-id", lagId], server: server)
            let lag = (described.json["lags"] as? [[String: Any]])?.first
            #expect((lag?["connections"] as? [Any])?.count == 2)
            let deleted = await Self.run(["directconnect", "delete-lag", "--lag-id", lagId], server: server)
            #expect(deleted.json["lagState"] as? String == "deleted")
        }
    }

    @Test func aTableKeepsEveryCharacterOfItsWidestCell() {
        let name = "gw-👍👍👍-abcdefghijklmnopqrstuvwxyz0123456789-END"
        let lines = TableRenderer.box(
            title: "Gateway",
            header: ["key", "value"],
            rows: [["name", name], ["id", "x"]]
        )
        #expect(lines.contains("| name | \(name) |"))
        #expect(Set(lines.map(\.count)).count == 1, "every line as wide as the others: \(lines)")
    }

    @Test func locationsAreListed() async throws {
        try await LiveServer.with { server in
            let listed = await Self.run(["directconnect", "describe-locations"], server: server)
            let codes = (listed.json["locations"] as? [[String: Any]])?.compactMap { $0["locationCode"] as? String }
            #expect(codes?.contains("EqDC2") == true)
            let table = await Self.run(["directconnect", "describe-locations", "--output", "table"], server: server)
            #expect(table.output.contains("locationCode"))
        }
    }

    @Test func theCAKComesFromStandardInputOrAFileAndIsNeverPrinted() async throws {
        try await LiveServer.with { server in
            let id = try await Self.createConnection(server)
            let fromStdin = await Self.run(
                [
                    "directconnect", "associate-mac-sec-key", "--connection-id", id, "--ckn", Self.ckn, "--cak", "-",
                ],
                server: server,
                stdin: Self.cak + "\n"
            )
            #expect(fromStdin.exitCode == 0, "\(fromStdin.errors)")
            let keys = try #require(fromStdin.json["macSecKeys"] as? [[String: Any]])
            let arn = try #require(keys.last?["secretARN"] as? String)
            #expect(!fromStdin.output.contains(Self.cak))

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("cak-\(UUID().uuidString)")
            try Data(String(repeating: "7e", count: 32).utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let fromFile = await Self.run(
                [
                    "directconnect", "associate-mac-sec-key", "--connection-id", id, "--ckn",
                    String(repeating: "34", count: 32), "--cak", "file://\(file.path)",
                ],
                server: server
            )
            #expect((fromFile.json["macSecKeys"] as? [Any])?.count == 2)

            let removed = await Self.run(
                ["directconnect", "disassociate-mac-sec-key", "--connection-id", id, "--secret-arn", arn],
                server: server
            )
            #expect((removed.json["macSecKeys"] as? [[String: Any]])?.first?["state"] as? String == "disassociating")

            let byARN = await Self.run(
                ["directconnect", "associate-mac-sec-key", "--connection-id", id, "--secret-arn", arn],
                server: server
            )
            #expect((byARN.json["macSecKeys"] as? [Any])?.count == 2)
        }
    }

    @Test func serviceErrorsAreReportedAsTheAWSCLIReportsThem() async throws {
        try await LiveServer.with { server in
            let badCAK = String(repeating: "q", count: 64)
            let failed = await Self.run(
                [
                    "directconnect", "associate-mac-sec-key", "--connection-id", "dxcon-zzzzzzzz", "--ckn", Self.ckn,
                    "--cak", badCAK,
                ],
                server: server
            )
            #expect(failed.exitCode == 254)
            #expect(
                failed.errors.contains(
                    "An error occurred (DirectConnectClientException) when calling the AssociateMacSecKey operation"
                )
            )
            #expect(!failed.errors.contains(badCAK))
            let missing = await Self.run(["directconnect", "delete-lag"], server: server)
            #expect(missing.exitCode != 0)
            #expect(missing.errors.contains("--lag-id"))
        }
    }

    /// What botocore's parameter validation refuses, with its texts, exit 64 and nothing sent (the AWS CLI checks
    /// before the call); what it takes is sent as given.
    @Test(arguments: [
        (
            [
                "create-private-virtual-interface", "--connection-id", "dxcon-x", "--new-private-virtual-interface",
                #"{"virtualInterfaceName": "a"}"#,
            ],
            [#"Missing required parameter in newPrivateVirtualInterface: "vlan""#]
        ),
        (
            [
                "create-private-virtual-interface", "--connection-id", "dxcon-x", "--new-private-virtual-interface",
                #"{"virtualInterfaceName": "a", "vlan": "ten", "bogus": 1, "tags": [{"value": "v"}]}"#,
            ],
            [
                #"Unknown parameter in newPrivateVirtualInterface: "bogus", must be one of: virtualInterfaceName, vlan"#,
                "Invalid type for parameter newPrivateVirtualInterface.vlan, value: ten, type: <class 'str'>, "
                    + "valid types: <class 'int'>",
                #"Missing required parameter in newPrivateVirtualInterface.tags[0]: "key""#,
            ]
        ),
        (
            [
                "create-connection", "--location", "EqDC2", "--bandwidth", "1Gbps", "--connection-name", "a", "--tags",
                "[]",
            ],
            ["Invalid length for parameter tags, value: 0, valid min length: 1"]
        ),
        (
            [
                "create-connection", "--location", "EqDC2", "--bandwidth", "1Gbps", "--connection-name", "a", "--tags",
                "value=v", "key=,value=w",
            ],
            [
                #"Missing required parameter in tags[0]: "key""#,
                "Invalid length for parameter tags[1].key, value: 0, valid min length: 1",
            ]
        ),
        (
            ["tag-resource", "--resource-arn", "arn:x", "--tags", #"[{"Key": "k", "value": "v"}]"#],
            [#"Missing required parameter in tags[0]: "key""#, #"Unknown parameter in tags[0]: "Key""#]
        ),
        (
            ["tag-resource", "--resource-arn", "arn:x", "--tags", "Key=k,Value=v", "key=a,value=b,c"],
            [
                #"Missing required parameter in tags[0]: "key""#, #"Unknown parameter in tags[0]: "Key""#,
                #"Unknown parameter in tags[0]: "Value""#,
                "Invalid type for parameter tags[1].value, value: ['b', 'c'], type: <class 'list'>",
            ]
        ),
        (
            [
                "create-private-virtual-interface", "--connection-id", "dxcon-x", "--new-private-virtual-interface",
                #"{"virtualInterfaceName": "a", "vlan": 1.50, "tags": {"key": "it's"}}"#,
            ],
            [
                "Invalid type for parameter newPrivateVirtualInterface.vlan, value: 1.5, type: <class 'float'>",
                "Invalid type for parameter newPrivateVirtualInterface.tags, value: OrderedDict([('key', \"it's\")]), "
                    + "type: <class 'collections.OrderedDict'>, valid types: <class 'list'>, <class 'tuple'>",
            ]
        ),
    ])
    func whatTheModelRefusesIsRefusedBeforeAnyCall(arguments: [String], problems: [String]) async {
        let transport = ScriptedTransport([])
        let refused = await Self.run(["directconnect"] + arguments, transport: transport)
        #expect(refused.exitCode == 64, "\(refused.errors)")
        #expect(refused.errors.hasPrefix("\nParameter validation failed:\n"), "\(refused.errors)")
        for problem in problems {
            #expect(refused.errors.contains(problem), "\(problem) in \(refused.errors)")
        }
        #expect(transport.sent.isEmpty)
    }

    @Test func aNegativeNumberIsAValueAndTheModelsShapesAreSentAsGiven() async throws {
        let transport = ScriptedTransport((0..<3).map { _ in ScriptedTransport.ok("{}") })
        let allocated = await Self.run(
            [
                "directconnect", "allocate-hosted-connection", "--connection-id", "dxcon-x", "--owner-account",
                "123456789012", "--bandwidth", "50Mbps", "--connection-name", "h", "--vlan", "-5",
            ],
            transport: transport
        )
        #expect(allocated.exitCode == 0, "\(allocated.errors)")
        let tagged = await Self.run(
            ["directconnect", "tag-resource", "--resource-arn", "arn:x", "--tags", #"[{"key": "k", "value": "v"}]"#],
            transport: transport
        )
        #expect(tagged.exitCode == 0, "\(tagged.errors)")
        // A list of structures as several items, all JSON objects (or all shorthand: the first decides, as in the
        // AWS CLI, which refuses the other kind in its words); a member given twice in JSON has its last value
        // (Python's json.loads), as the AWS CLI sends it.
        let update = [
            "directconnect", "update-direct-connect-gateway-association", "--association-id", "a",
            "--add-allowed-prefixes-to-direct-connect-gateway",
        ]
        let prefixed = await Self.run(
            update + [#"{"cidr": "10.0.0.0/8"}"#, #"{"cidr": "x", "cidr": "10.1.0.0/16"}"#],
            transport: transport
        )
        #expect(prefixed.exitCode == 0, "\(prefixed.errors)")
        let option = "Error parsing parameter '--add-allowed-prefixes-to-direct-connect-gateway': "
        let shorthandFirst = await Self.run(update + ["cidr=10.0.0.0/8", #"{"cidr": "x"}"#], transport: transport)
        #expect(
            shorthandFirst.errors
                == "\n\(option)Expected: '=', received: '{' for input:\n{self._error_location()}\n"
        )
        let jsonFirst = await Self.run(update + [#"{"cidr": "x"}"#, "cidr=10.0.0.0/8"], transport: transport)
        #expect(jsonFirst.errors == "\n\(option)Invalid JSON:\ncidr=10.0.0.0/8\n")
        let bodies = transport.sent.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(bodies.count == 3)
        #expect(bodies.first?.contains(#""vlan":-5"#) == true, "\(bodies)")
        #expect(bodies[1] == #"{"resourceArn":"arn:x","tags":[{"key":"k","value":"v"}]}"#)
        #expect(
            bodies.last
                == #"{"associationId":"a","addAllowedPrefixesToDirectConnectGateway":[{"cidr":"10.0.0.0/8"},{"cidr":"10.1.0.0/16"}]}"#
        )
        // A boolean passes botocore's integer check (an int to Python); the shape's reader refuses it.
        let boolean = await Self.run(
            [
                "directconnect", "create-private-virtual-interface", "--connection-id", "dxcon-x",
                "--new-private-virtual-interface", #"{"virtualInterfaceName": "a", "vlan": true}"#,
            ],
            transport: transport
        )
        #expect(boolean.exitCode == 64)
        #expect(!boolean.errors.contains("Parameter validation failed") && boolean.errors.contains("vlan"))
        #expect(transport.sent.count == 3)
    }

    @Test func aRegionThatCannotNameAHostIsRefusedBeforeAnyCall() async {
        let transport = ScriptedTransport([])
        for region in ["us east 1", "../us-east-1", "us-east-1-", "12345"] {
            let refused = await Self.run(
                ["directconnect", "describe-connections", "--region", region],
                transport: transport
            )
            #expect(refused.exitCode == 255)
            #expect(refused.errors.contains("Provided region_name '\(region)' doesn't match a supported format."))
        }
        #expect(transport.sent.isEmpty)
    }

    @Test func aFailureThatOutlastsTheRetriesSaysSo() async {
        let transport = ScriptedTransport([
            ScriptedTransport.error(400, "ThrottlingException"), ScriptedTransport.error(400, "ThrottlingException"),
            ScriptedTransport.error(400, "DirectConnectClientException"),
        ])
        let throttled = await Self.run(
            ["directconnect", "describe-connections"],
            transport: transport,
            environment: ["AWS_MAX_ATTEMPTS": "2"]
        )
        #expect(throttled.exitCode == 254)
        #expect(
            throttled.errors.contains(
                "An error occurred (ThrottlingException) when calling the DescribeConnections operation "
                    + "(reached max retries: 1): scripted ThrottlingException"
            ),
            "\(throttled.errors)"
        )
        let refused = await Self.run(["directconnect", "describe-lags"], transport: transport)
        #expect(
            refused.errors.contains(
                "An error occurred (DirectConnectClientException) when calling the DescribeLags operation: scripted"
            ),
            "\(refused.errors)"
        )
        #expect(transport.sent.count == 3)
    }

    @Test func generateKeyPrintsAPairOrWritesTheCAKToAPrivateFile() async throws {
        try await LiveServer.with { server in
            let printed = await Self.run(["macsec", "generate-key"], server: server)
            let ckn = try #require(printed.json["ckn"] as? String)
            let cak = try #require(printed.json["cak"] as? String)
            #expect(try MacSecKeyPair(ckn: ckn, cak: cak).ckn == ckn)

            let path = FileManager.default.temporaryDirectory.appendingPathComponent("cak-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            let written = await Self.run(["macsec", "generate-key", "--cak-file", path], server: server)
            #expect(written.json["cak"] == nil)
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let stored = try String(contentsOfFile: path, encoding: .utf8)
            #expect((try? MacSecKeyPair(ckn: ckn, cak: stored)) != nil)
        }
    }

    @Test func rotateReplacesTheKeysAndReportsWhatItDid() async throws {
        try await LiveServer.with { server in
            let id = try await Self.createConnection(server)
            let unreachable = await Self.run(["macsec", "rotate", "--connection-id", id], server: server)
            #expect(unreachable.exitCode == 64 && unreachable.errors.contains("--cak-file"))
            let cakFile = FileManager.default.temporaryDirectory.appendingPathComponent("cak-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: cakFile) }
            let first = await Self.run(
                ["macsec", "rotate", "--connection-id", id, "--cak-file", cakFile.path],
                server: server
            )
            #expect(first.exitCode == 0, "\(first.errors)")
            let generated = try String(contentsOf: cakFile, encoding: .utf8)
            #expect(!first.output.contains(generated) && !first.errors.contains(generated))
            let firstARN = try #require((first.json["associated"] as? [String: Any])?["secretARN"] as? String)
            let second = await Self.run(
                ["macsec", "rotate", "--connection-id", id, "--ckn", Self.ckn, "--cak", "-", "--poll-interval", "0.1"],
                server: server,
                stdin: Self.cak
            )
            #expect(second.exitCode == 0, "\(second.errors)")
            #expect((second.json["associated"] as? [String: Any])?["ckn"] as? String == Self.ckn)
            let removed = (second.json["disassociated"] as? [[String: Any]])?.compactMap { $0["secretARN"] as? String }
            #expect(removed == [firstARN])
            #expect(!second.output.contains(Self.cak))

            let conflicting = await Self.run(
                ["macsec", "rotate", "--connection-id", id, "--secret-arn", firstARN, "--ckn", Self.ckn],
                server: server
            )
            #expect(conflicting.exitCode != 0)

            for _ in 0..<2 {
                let next = MacSecKeyPair.generate()
                _ = await Self.run(
                    ["macsec", "rotate", "--connection-id", id, "--ckn", next.ckn, "--cak", next.cak],
                    server: server
                )
            }
            let pair = MacSecKeyPair.generate()
            for _ in 0..<2 {
                let other = MacSecKeyPair.generate()
                _ = await Self.run(
                    [
                        "directconnect", "associate-mac-sec-key", "--connection-id", id, "--ckn", other.ckn, "--cak",
                        other.cak,
                    ],
                    server: server
                )
            }
            let full = await Self.run(
                ["macsec", "rotate", "--connection-id", id, "--ckn", pair.ckn, "--cak", pair.cak],
                server: server
            )
            #expect(full.exitCode == 1)
            #expect(full.errors.contains("keychainFull"))
        }
    }

    /// What the AWS CLI refuses of a list of structures and of booleans, in its words: the first item decides
    /// whether all are JSON (an empty one is its IndexError), whitespace as Python's `strip` takes it, a boolean
    /// given a list is lower-cased as text (its AttributeError).
    @Test func structuresAndBooleansAreRefusedAsTheAWSCLIRefusesThem() async {
        let tags = ["directconnect", "tag-resource", "--resource-arn", "arn:x", "--tags"]
        let empty = await Self.run(tags + [#"{"key": "a"}"#, "  "], transport: ScriptedTransport([]))
        #expect(empty.exitCode == 64 && empty.errors == "\nstring index out of range\n")
        // U+001C is whitespace to Python's `strip`, so this is JSON, which `json.loads` refuses at its first character.
        let separator = await Self.run(tags + ["\u{1C}[]"], transport: ScriptedTransport([]))
        #expect(
            separator.errors
                == "\nError parsing parameter '--tags': Invalid JSON: Expecting value: line 1 column 1 (char 0)\n"
                + "JSON received: \u{1C}[]\n"
        )
        let listed = await Self.run(
            [
                "directconnect", "create-private-virtual-interface", "--connection-id", "dxcon-1",
                "--new-private-virtual-interface", "virtualInterfaceName=a,vlan=1,asn=1,enableSiteLink=true,false",
            ],
            transport: ScriptedTransport([])
        )
        #expect(listed.exitCode == 64 && listed.errors == "\n'list' object has no attribute 'lower'\n")
    }

    /// The AWS CLI's shorthand, read and typed as it reads and types it: each input with what the AWS CLI 1.45 sent
    /// for it (its `--debug` "Unpacked value"), or its refusal. `test_dxlocal_cli.py` compares the two CLIs live.
    static let shorthandCases: [(text: String, expected: String)] = [
        ("asn=64600,addressFamily=ipv6", #"{"asn":64600,"addressFamily":"ipv6"}"#),
        (#"authKey=a\,b,asn=1"#, #"{"authKey":"a,b","asn":1}"#),
        (#"authKey='it\'s',asn=1"#, #"{"authKey":"it's","asn":1}"#),
        (#"authKey="x y" , asn = 7"#, #"{"authKey":"x y","asn":7}"#),
        ("authKey=,asn= 0012 ", #"{"authKey":"","asn":12}"#),
        ("asn=1,,authKey=2", #"{"asn":1,"authKey":"2"}"#),
        ("authKey=x=y,asn=+1_000", #"{"authKey":"x=y","asn":1000}"#),
        ("authKey=é☃,asn=٣", #"{"authKey":"é☃","asn":3}"#),
        ("asn=abc", "\ninvalid literal for int() with base 10: 'abc'\n"),
        ("asn=1,2", "\nint() argument must be a string, a bytes-like object or a real number, not 'list'\n"),
        ("asn={a=b}", "\nint() argument must be a string, a bytes-like object or a real number, not 'dict'\n"),
        (
            "asn=1,\nasn=2",
            "\nError parsing parameter '--new-bgp-peer': Second instance of key \"asn\" encountered for input:\n"
                + "asn=1,\n      ^\nasn=2\nThis is often because there is a preceding \",\" instead of a space.\n"
        ),
        (
            "asn=[1,2",
            "\nError parsing parameter '--new-bgp-peer': Expected: ',', received: 'EOF' for input:\n"
                + "{self._error_location()}\n"
        ),
        (
            "authKey='abc",
            "\nError parsing parameter '--new-bgp-peer': Expected: '<singled quoted>', received: '<none>' for "
                + "input:\n{self._error_location()}\n"
        ),
        (
            "authKey=" + String(repeating: "[", count: 488) + String(repeating: "]", count: 488),
            "\nmaximum recursion depth exceeded\n"
        ),
        ("authKey=" + String(repeating: "{a=", count: 1_000_000), "\nmaximum recursion depth exceeded\n"),
        (
            "asn=\"a\u{01}\r\nb\u{85}c\u{200B}d'\"",
            "\ninvalid literal for int() with base 10: \"a\\x01\\r\\nb\\x85c\\u200bd'\"\n"
        ),
        (
            "asn=" + String(repeating: "a", count: 300),
            "\ninvalid literal for int() with base 10: '" + String(repeating: "a", count: 199) + "\n"
        ),
        (#"[{"asn": 1}]"#, "\nError parsing parameter '--new-bgp-peer': Invalid JSON:\n[{\"asn\": 1}]\n"),
        (
            "authKey@=fileb:///nonexistent",
            "\nUnable to load paramfile fileb:///nonexistent: [Errno 2] No such file or "
                + "directory: '/nonexistent'\n"
        ),
        (
            "authKey={a=e,b=[1,{c=d}]},asn=1",
            "\nParameter validation failed:\nInvalid type for parameter newBGPPeer.authKey, value: "
                + "{'a': 'e', 'b': ['1', {'c': 'd'}]}, type: <class 'dict'>, valid types: <class 'str'>\n"
        ),
    ]

    @Test(arguments: shorthandCases)
    func shorthandIsReadAsTheAWSCLIReadsIt(text: String, expected: String) async throws {
        // (A million nested braces, which the reader recursed into until the stack ran out, are one such input.)
        let transport = ScriptedTransport([ScriptedTransport.ok("{}")])
        let run = await Self.run(
            ["directconnect", "create-bgp-peer", "--virtual-interface-id", "dxvif-x", "--new-bgp-peer", text],
            transport: transport
        )
        guard expected.hasPrefix("{") else {
            #expect(run.exitCode == 64 && run.errors == expected)
            #expect(transport.sent.isEmpty)
            return
        }
        #expect(run.exitCode == 0, "\(run.errors)")
        let body = try #require(transport.sent.first?.body)
        let sent = try #require(JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let want = try JSONSerialization.jsonObject(with: Data(expected.utf8))
        #expect(NSDictionary(dictionary: sent["newBGPPeer"] as? [String: Any] ?? [:]).isEqual(want))
    }
}
