import AWSJSONProtocol
import DXDispatch
import DirectConnect
import DirectConnectModel
import Foundation
import Logging
import NIOCore
import Storage
import Yams

/// A declarative seed (`dxlocal serve --seed FILE`, SPEC 11): the resources a test needs before it starts, by
/// account and region, in JSON or YAML.
///
/// ```yaml
/// accounts:
///   "111122223333":
///     us-east-1:
///       connections:
///         - connectionId: dxcon-seed0001        # optional: the ID it gets
///           connectionName: primary             # the rest is CreateConnection's input
///           location: EqDC2
///           bandwidth: 10Gbps
///           requestMACSec: true
///           macSecKeys:                         # AssociateMacSecKey's input, without the port's ID
///             - {ckn: "<64 hex>", cak: "<64 hex>"}
///       lags:
///         - {lagId: dxlag-seed0001, lagName: core, location: EqDC2, numberOfConnections: 2,
///            connectionsBandwidth: 10Gbps, requestMACSec: true}
///       interconnects:                          # a partner's: hosted connections are allocated on them
///         - {interconnectId: dxcon-seed0002, interconnectName: nni, location: EqDC2, bandwidth: 10Gbps}
///       directConnectGateways:                  # global to the account: any of its regions may hold them
///         - {directConnectGatewayId: 5f294f92-bafb-4011-916d-9b0b00000001, directConnectGatewayName: core,
///            amazonSideAsn: 64512}
///     customerMetadata:                         # the account's, not a region's (DescribeCustomerMetadata)
///       nniPartnerType: v2                      # v1, v2 or nonPartner (the default)
///       partnerName: Example Networks           # what its hosted connections show as partnerName
///       agreements: [{agreementName: dx-terms, status: unsigned}]
/// ```
///
/// Each entry goes through the operation a client would call (CreateConnection, CreateLag,
/// CreateDirectConnectGateway, AssociateMacSecKey), so a seed holds nothing the service would refuse, and a CAK is
/// sealed as every CAK is; a member the operation's input does not have is refused (our choice: where a request's
/// is ignored, a seed's is a typo). Only an empty store is seeded (our choice): a restart on a data directory that
/// holds records leaves them as they are; a seed refused part-way leaves the store empty again. A reset empties
/// the store; it does not seed it again. Kinds a seed does not take yet (virtual interfaces, ...) are refused by
/// name.
package struct Seed: Sendable {
    /// One connection, LAG or gateway: its creation's input, the ID it is to get, its keys' inputs.
    struct Port: Sendable {
        var place: String
        var input: Data
        var fixedId: String?
        var keys: [[String: String]]
    }

    struct Scoped: Sendable {
        var scope: Scope
        var connections: [Port]
        var lags: [Port]
        var gateways: [Port]
        var interconnects: [Port] = []
    }

    /// An account's customer metadata.
    struct Metadata: Sendable {
        var account: String
        var nniPartnerType: String?
        var partnerName: String?
        var agreements: [(name: String, status: String)]
    }

    var scopes: [Scoped]
    var metadata: [Metadata] = []

    /// What a seed held, once applied.
    package struct Applied: Sendable, Equatable {
        package var connections = 0
        package var lags = 0
        package var gateways = 0
        package var interconnects = 0
        package var keys = 0
    }

    /// A seed that cannot be read or applied; its description names the place in the file, never a value of it.
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    static let kindsNotSeeded = ["virtualInterfaces", "hostedConnections", "gatewayAssociations"]
    static let kindsSeeded = ["connections", "lags", "interconnects", "directConnectGateways"]

    /// Reads a seed: JSON when it begins with `{`, YAML otherwise.
    package static func read(_ text: String) throws(Failure) -> Seed {
        let root: Any
        if text.drop(while: \.isWhitespace).first == "{" {
            do {
                root = try JSONSerialization.jsonObject(with: Data(text.utf8))
            } catch {
                throw Failure(description: "the seed is not valid JSON")
            }
        } else {
            root = try yamlValue(text)
        }
        guard let document = root as? [String: Any] else { throw Failure(description: "a seed is a JSON object") }
        for key in document.keys where key != "accounts" {
            throw Failure(description: "a seed has one member, accounts; \(quoted(key)) is not read")
        }
        guard let accounts = document["accounts"] as? [String: Any] else {
            throw Failure(description: "accounts must be an object of account IDs")
        }
        var scopes: [Scoped] = []
        var metadata: [Metadata] = []
        for (account, regions) in accounts.sorted(by: { $0.key < $1.key }) {
            guard CallerResolver.isAccountID(account) else {
                throw Failure(description: "accounts: \(quoted(account)) is not a 12-digit account ID")
            }
            guard let regions = regions as? [String: Any] else {
                throw Failure(description: "accounts.\(account) must be an object of regions")
            }
            for (region, kinds) in regions.sorted(by: { $0.key < $1.key }) {
                if region == "customerMetadata" {
                    metadata.append(try customerMetadata(kinds, account: account))
                    continue
                }
                let place = "accounts.\(account).\(quoted(region))"
                guard isRegionName(region) else { throw Failure(description: "\(place) is not a region name") }
                guard let kinds = kinds as? [String: Any] else {
                    throw Failure(description: "\(place) must be an object of connections, lags and gateways")
                }
                for kind in kinds.keys where !kindsSeeded.contains(kind) {
                    throw Failure(
                        description: kindsNotSeeded.contains(kind)
                            ? "\(place).\(kind): a seed does not take these yet"
                            : "\(place): \(quoted(kind)) is not read (\(kindsSeeded.joined(separator: ", ")))"
                    )
                }
                scopes.append(
                    Scoped(
                        scope: Scope(account: account, region: region),
                        connections: try ports(
                            kinds["connections"],
                            CreateConnectionRequest.self,
                            idMember: "connectionId",
                            at: "\(place).connections"
                        ),
                        lags: try ports(kinds["lags"], CreateLagRequest.self, idMember: "lagId", at: "\(place).lags"),
                        gateways: try ports(
                            kinds["directConnectGateways"],
                            CreateDirectConnectGatewayRequest.self,
                            idMember: "directConnectGatewayId",
                            at: "\(place).directConnectGateways",
                            keys: false
                        ),
                        interconnects: try ports(
                            kinds["interconnects"],
                            CreateInterconnectRequest.self,
                            idMember: "interconnectId",
                            at: "\(place).interconnects",
                            keys: false
                        )
                    )
                )
            }
        }
        return Seed(scopes: scopes, metadata: metadata)
    }

    /// `accounts.<account>.customerMetadata`: `nniPartnerType`, `partnerName` and `agreements`, all optional.
    private static func customerMetadata(_ value: Any, account: String) throws(Failure) -> Metadata {
        let place = "accounts.\(account).customerMetadata"
        guard let members = value as? [String: Any] else { throw Failure(description: "\(place) must be an object") }
        for key in members.keys where !["nniPartnerType", "partnerName", "agreements"].contains(key) {
            throw Failure(description: "\(place): \(quoted(key)) is not read (nniPartnerType, partnerName, agreements)")
        }
        var metadata = Metadata(account: account, agreements: [])
        for key in ["nniPartnerType", "partnerName"] {
            guard let given = members[key] else { continue }
            guard let text = given as? String else { throw Failure(description: "\(place).\(key) must be a string") }
            if key == "nniPartnerType" { metadata.nniPartnerType = text } else { metadata.partnerName = text }
        }
        if let given = members["agreements"] {
            guard let list = given as? [Any] else { throw Failure(description: "\(place).agreements must be a list") }
            for (index, entry) in list.enumerated() {
                guard let entry = entry as? [String: Any], let name = entry["agreementName"] as? String,
                    entry.keys.allSatisfy(["agreementName", "status"].contains)
                else {
                    throw Failure(description: "\(place).agreements[\(index)] must be {agreementName, status}")
                }
                guard let status = entry["status"] as? String? else {
                    throw Failure(description: "\(place).agreements[\(index)].status must be a string")
                }
                metadata.agreements.append((name, status ?? "signed"))
            }
        }
        return metadata
    }

    private static func ports<Input: AWSShape>(
        _ value: Any?,
        _ input: Input.Type,
        idMember: String,
        at place: String,
        keys keysAllowed: Bool = true
    ) throws(Failure) -> [Port] {
        guard let value else { return [] }
        guard let entries = value as? [Any] else { throw Failure(description: "\(place) must be a list") }
        var ports: [Port] = []
        for (index, entry) in entries.enumerated() {
            let here = "\(place)[\(index)]"
            guard var members = entry as? [String: Any] else { throw Failure(description: "\(here) must be an object") }
            var fixedId: String?
            if let id = members.removeValue(forKey: idMember) {
                guard let id = id as? String else { throw Failure(description: "\(here).\(idMember) must be a string") }
                fixedId = id
            }
            var keys: [[String: String]] = []
            if let given = members.removeValue(forKey: "macSecKeys") {
                guard keysAllowed else { throw Failure(description: "\(here).macSecKeys: a gateway has no keys") }
                guard let given = given as? [Any] else {
                    throw Failure(description: "\(here).macSecKeys must be a list")
                }
                for (number, key) in given.enumerated() {
                    // Only the members AssociateMacSecKey reads, as strings: never a value in a message.
                    guard let key = key as? [String: Any], !key.isEmpty,
                        key.keys.allSatisfy(["ckn", "cak", "secretARN"].contains),
                        key.values.allSatisfy({ $0 is String })
                    else {
                        throw Failure(
                            description: "\(here).macSecKeys[\(number)] must be {ckn, cak} or {secretARN}, strings"
                        )
                    }
                    keys.append(key.compactMapValues { $0 as? String })
                }
            }
            guard JSONSerialization.isValidJSONObject(members),
                let body = try? JSONSerialization.data(withJSONObject: members)
            else { throw Failure(description: "\(here) cannot be sent as the operation's input") }
            // A request's unknown members are ignored (SPEC 7), a seed's are refused (our choice: a misspelt fixed ID
            // or requestMACSec would otherwise give a resource the tests do not expect). The members the input
            // shape reads are those its writer gives back; one it cannot read is the operation's to refuse.
            if let known = readMembers(input, from: body) {
                for name in members.keys.sorted() where !(members[name] is NSNull) && !known.contains(name) {
                    let operation = String(describing: input).replacing("Request", with: "")
                    throw Failure(description: "\(here): \(quoted(name)) is not a member of \(operation)'s input")
                }
            }
            ports.append(Port(place: here, input: body, fixedId: fixedId, keys: keys))
        }
        return ports
    }

    /// The top-level members of `body` that `shape` reads, or `nil` when it cannot read `body`.
    private static func readMembers<Shape: AWSShape>(_ shape: Shape.Type, from body: Data) -> Set<String>? {
        let read = body.withUnsafeBytes { AWSJSONReader.read(shape, from: $0.bindMemory(to: UInt8.self)) }
        guard let read,
            let echoed = try? JSONSerialization.jsonObject(with: Data(AWSJSONWriter.bytes(read))) as? [String: Any]
        else { return nil }
        return Set(echoed.keys)
    }

    /// Applies the seed through `table`'s operations, into an empty store only; answers `nil` when the store held
    /// records already.
    package func apply(
        table: OperationTable,
        store: any Store,
        directConnect: DirectConnectService
    ) async throws(Failure) -> Applied? {
        do {
            let held = try await store.transaction(.read) { transaction in
                var held = 0
                for kind in StoredKinds.all { held += try await transaction.countEvery(kind) }
                return held
            }
            if held > 0 { return nil }
        } catch {
            throw Failure(description: "the store could not be read: \(type(of: error))")
        }
        do {
            return try await applyEntries(table: table, directConnect: directConnect)
        } catch {
            // A seed applies whole or not at all (our choice): the store was empty, so it is emptied again, and the
            // next start (with the seed mended) finds nothing in its way.
            let emptied = try? await store.transaction(.write) { transaction in
                try await transaction.deleteEveryRecord(of: StoredKinds.all, accounts: nil)
            }
            guard emptied != nil else {
                throw Failure(description: "\(error.description); what it had made could not be removed")
            }
            throw error
        }
    }

    private func applyEntries(
        table: OperationTable,
        directConnect: DirectConnectService
    ) async throws(Failure) -> Applied {
        var applied = Applied()
        for entry in metadata {
            do {
                try await directConnect.seedCustomerMetadata(
                    account: entry.account,
                    nniPartnerType: entry.nniPartnerType,
                    partnerName: entry.partnerName,
                    agreements: entry.agreements
                )
            } catch let error as AWSError {
                throw Failure(description: "accounts.\(entry.account).customerMetadata: \(error.message)")
            } catch {
                throw Failure(description: "accounts.\(entry.account).customerMetadata: \(type(of: error))")
            }
        }
        for scoped in scopes {
            for port in scoped.connections {
                try await create(port, "CreateConnection", idMember: "connectionId", scoped.scope, table, directConnect)
                applied.connections += 1
                applied.keys += port.keys.count
            }
            for port in scoped.lags {
                try await create(port, "CreateLag", idMember: "lagId", scoped.scope, table, directConnect)
                applied.lags += 1
                applied.keys += port.keys.count
            }
            for port in scoped.interconnects {
                try await create(
                    port,
                    "CreateInterconnect",
                    idMember: "interconnectId",
                    scoped.scope,
                    table,
                    directConnect
                )
                applied.interconnects += 1
            }
            for port in scoped.gateways {
                try await create(
                    port,
                    "CreateDirectConnectGateway",
                    idMember: "directConnectGatewayId",
                    in: "directConnectGateway",
                    scoped.scope,
                    table,
                    directConnect
                )
                applied.gateways += 1
            }
        }
        return applied
    }

    private func create(
        _ port: Port,
        _ operation: String,
        idMember: String,
        in replyMember: String? = nil,
        _ scope: Scope,
        _ table: OperationTable,
        _ directConnect: DirectConnectService
    ) async throws(Failure) {
        let place = port.place
        do {
            var reply = try await call(operation, ByteBuffer(bytes: port.input), scope, table)
            if let replyMember { reply = reply[replyMember] as? [String: Any] ?? [:] }
            guard var id = reply[idMember] as? String else {
                throw Failure(description: "\(place): \(operation) answered no \(idMember)")
            }
            if let fixed = port.fixedId {
                try await directConnect.assignSeededId(fixed, to: id, in: scope)
                id = fixed
            }
            for key in port.keys {
                var input = key
                input["connectionId"] = id
                let body = try JSONSerialization.data(withJSONObject: input)
                _ = try await call("AssociateMacSecKey", ByteBuffer(bytes: body), scope, table)
            }
        } catch let failure as Failure {
            throw failure
        } catch let error as AWSError {
            throw Failure(description: "\(place): \(error.code): \(error.message)")
        } catch {
            throw Failure(description: "\(place): \(type(of: error))")
        }
    }

    private func call(
        _ operation: String,
        _ body: ByteBuffer,
        _ scope: Scope,
        _ table: OperationTable
    ) async throws
        -> [String: Any]
    {
        let reply = try await table.handler(for: "OvertureService.\(operation)")(body, scope).collected()
        return (try JSONSerialization.jsonObject(with: Data(reply.readableBytesView)) as? [String: Any]) ?? [:]
    }

    /// `us-east-1`, `eu-central-2`, `us-gov-west-1`: lower-case words and a number, joined by hyphens.
    static func isRegionName(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let last = parts.last, !last.isEmpty, last.allSatisfy({ $0.isASCII && $0.isNumber })
        else {
            return false
        }
        return parts.dropLast().allSatisfy { part in !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isLowercase } }
    }

    /// A name from the file, as a message may repeat it: cut when long.
    static func quoted(_ text: String) -> String {
        "\"\(text.count <= 64 ? text : String(text.prefix(64)) + "...")\""
    }

    /// The YAML document as the values JSONSerialization gives: a scalar YAML reads as a number stays one only when
    /// it reads back the same (`0123` and a 64-digit CKN stay strings); booleans and nulls as YAML 1.1 reads them.
    static func yamlValue(_ text: String) throws(Failure) -> Any {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Failure(description: "the seed is not valid YAML: \(safeDescription(error))")
        } catch {
            throw Failure(description: "the seed is not valid YAML")
        }
        guard let node else { throw Failure(description: "the seed is empty") }
        return try value(of: node)
    }

    private static func value(of node: Node) throws(Failure) -> Any {
        switch node {
        case .scalar(let scalar):
            let text = scalar.string
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .int: if let number = Int(text), String(number) == text { return number }
            case .float: if let number = Double(text), "\(number)" == text { return number }
            case .bool: if let truth = node.bool { return truth }
            case .null: return NSNull()
            default: break
            }
            return text
        case .mapping(let mapping):
            var object: [String: Any] = [:]
            for (key, value) in mapping {
                guard case .scalar(let name) = key else { throw Failure(description: "a mapping's keys are names") }
                object[name.string] = try Self.value(of: value)
            }
            return object
        case .sequence(let sequence):
            var list: [Any] = []
            for element in sequence { list.append(try Self.value(of: element)) }
            return list
        case .alias:
            throw Failure(description: "a seed uses no YAML aliases")
        }
    }

    /// YAML's error without the line of the file that Yams quotes (it could hold a CAK).
    private static func safeDescription(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return "\(problem) at line \(mark.line), column \(mark.column)"
        case .reader(let problem, let offset, _, _):
            return offset.map { "\(problem) at byte \($0)" } ?? problem
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicated keys \(duplicates.map { quoted($0) }.joined(separator: ", "))"
        default:
            return "unreadable"
        }
    }
}
