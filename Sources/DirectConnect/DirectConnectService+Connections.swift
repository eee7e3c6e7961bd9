import AWSJSONProtocol
import DirectConnectModel
import Foundation
import ServiceKit
import Storage

/// Dedicated connections and interconnects.
extension DirectConnectService {
    package func createConnection(_ input: CreateConnectionRequest, in scope: Scope) async throws -> Connection {
        try Self.requireMembers(input)
        let name = try Self.required(input.connectionName, "connectionName")
        let location = try Self.required(input.location, "location")
        let bandwidth = try Self.required(input.bandwidth, "bandwidth")
        let requestMACSec = input.requestMACSec ?? false
        let tags = try Self.validatedTags(input.tags)
        let port = try newPort(
            location: location,
            bandwidth: bandwidth,
            requestMACSec: requestMACSec,
            providerName: input.providerName,
            in: scope
        )
        let now = clock.now
        return try await transaction(.write) { transaction in
            var lag: LagRecord?
            if let lagId = input.lagId {
                let target = try await lagForNewMember(
                    lagId,
                    port: port,
                    subject: "The new connection",
                    in: transaction,
                    scope
                )
                lag = target
            }
            let id = try await unusedId(Identifiers.newConnectionId, in: transaction, scopes: scope)
            var record = ConnectionRecord(
                id: id,
                kind: .connection,
                name: name,
                port: port,
                vlan: 0,
                lagId: lag?.id,
                state: SettlingState(transitional: .requested, settlesAt: settled(from: now, .connection)),
                createdAt: now,
                tags: tags,
                keys: []
            )
            if let lag { record.port.move(toDeviceOf: lag.port) }
            try await transaction.save(record, in: scope)
            return Self.connection(record, lag: lag, in: scope, at: now, state: .requested, mka: .untouched)
        }
    }

    /// The LAG a new port goes into, after checking that the port fits it; `subject` names the port in the messages
    /// (it has no ID yet).
    func lagForNewMember(
        _ lagId: String,
        port: PortRecord,
        subject: String,
        in transaction: any StoreTransaction,
        _ scope: Scope
    ) async throws -> LagRecord {
        guard let lag = try await transaction.lag(id: lagId, in: scope) else { throw AWSError.notFound(lagId) }
        guard lag.port.location == port.location, lag.port.bandwidth == port.bandwidth else {
            throw AWSError.client(
                "\(subject) must be at location \(lag.port.location) with bandwidth \(lag.port.bandwidth) "
                    + "to join lag \(lagId)"
            )
        }
        guard lag.port.macSecCapable == port.macSecCapable else {
            throw AWSError.client("\(subject) and lag should be requested MacSec at the same time")
        }
        let members = try await transaction.members(ofLag: lagId, in: scope)
        let maximum = PortSpeed.maximumLagMembers(bandwidth: lag.port.bandwidth)
        guard members.count < maximum else {
            throw AWSError.client("Lag \(lagId) already has the maximum of \(maximum) connections")
        }
        return lag
    }

    package func describeConnections(
        _ input: DescribeConnectionsRequest,
        in scope: Scope
    ) async throws
        -> Connections
    {
        try await describeConnectionsLasting(input, in: scope).output
    }

    /// DescribeConnections, with the instants between which its answer stays the same while the store does not
    /// change (what the server's response cache keeps it for).
    package func describeConnectionsLasting(
        _ input: DescribeConnectionsRequest,
        in scope: Scope
    ) async throws -> Lasting<Connections> {
        let (page, lags, mka, token, now) = try await connectionsPage(input, in: scope)
        var window = StableWindow(at: now)
        if mka.changesAnyMoment { window.endNow() }
        var connections: [Connection] = []
        connections.reserveCapacity(page.count)
        for record in page {
            let lag = record.lagId.flatMap { lags[$0] }
            window.consider(record, lag: lag)
            connections.append(Self.connection(record, lag: lag, in: scope, at: now, mka: mka))
        }
        return Lasting(Connections(connections: connections, nextToken: token), window: window)
    }

    /// The connections DescribeConnections shows (one by ID, or a page of all), their LAGs, MKA's verdicts on them,
    /// the next page's token and the instant they are shown at.
    func connectionsPage(
        _ input: DescribeConnectionsRequest,
        in scope: Scope
    ) async throws -> (
        page: [ConnectionRecord], lags: [String: LagRecord], mka: MKAVerdicts, token: String?, now: Date
    ) {
        let now = clock.now
        if let id = input.connectionId {
            return try await transaction(.read) { transaction in
                // A LAG's ID names no connection either (our choice of text: the LAG may well exist).
                guard let record = try await transaction.connection(id: id, in: scope), record.kind == .connection
                else { throw AWSError.connectionNotFound(id) }
                let lags = try await lagsOf([record], in: transaction, scope)
                let mka = try await mkaVerdicts([record], lags: lags, in: transaction, scope, at: now)
                return ([record], lags, mka, nil, now)
            }
        }
        let request = try pages.request(
            list: "connections",
            maxResults: input.maxResults,
            nextToken: input.nextToken,
            in: scope
        )
        return try await transaction(.read) { transaction in
            let records = try await transaction.connections(of: .connection, in: scope, page: request)
            let (page, token) = try pages.finish(records, request: request, list: "connections", in: scope, id: \.id)
            let lags = try await lagsOf(page, in: transaction, scope)
            let mka = try await mkaVerdicts(page, lags: lags, in: transaction, scope, at: now)
            return (page, lags, mka, token, now)
        }
    }

    /// The LAGs of the given members, by ID.
    func lagsOf(
        _ records: [ConnectionRecord],
        in transaction: any StoreTransaction,
        _ scope: Scope
    ) async throws
        -> [String: LagRecord]
    {
        let lags = try await transaction.records(LagRecord.self, ids: records.compactMap(\.lagId), in: scope)
        return Dictionary(lags.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    package func updateConnection(_ input: UpdateConnectionRequest, in scope: Scope) async throws -> Connection {
        try Self.requireMembers(input)
        let id = try Self.required(input.connectionId, "connectionId")
        let now = clock.now
        return try await transaction(.write) { transaction in
            guard var record = try await transaction.connection(id: id, in: scope), record.kind == .connection else {
                throw AWSError.connectionNotFound(id)
            }
            if let name = input.connectionName {
                guard !name.isEmpty else { throw AWSError.client("connectionName of \(id) must not be empty") }
                record.name = name
            }
            if let requested = input.encryptionMode {
                let mode = try Self.validateEncryptionMode(requested, on: record.port, id: id)
                if let lagId = record.lagId {
                    throw AWSError.client(
                        "Connection \(id) is a member of lag \(lagId): set the encryption mode on the lag"
                    )
                }
                record.port.setEncryptionMode(mode, at: now)
            } else {
                record.port.encryptionMode = Keychain.effectiveMode(
                    record.port.encryptionMode,
                    keys: record.keys,
                    at: now
                )
            }
            record.keys = Keychain.visible(record.keys, at: now)
            try await transaction.save(record, in: scope)
            let lag = try await record.lagId.asyncMap { try await transaction.lag(id: $0, in: scope) } ?? nil
            let lags = lag.map { [$0.id: $0] } ?? [:]
            let mka = try await mkaVerdicts([record], lags: lags, in: transaction, scope, at: now)
            return Self.connection(record, lag: lag, in: scope, at: now, mka: mka)
        }
    }

    package func deleteConnection(_ input: DeleteConnectionRequest, in scope: Scope) async throws -> Connection {
        try Self.requireMembers(input)
        let id = try Self.required(input.connectionId, "connectionId")
        let now = clock.now
        return try await transaction(.write) { transaction in
            guard var record = try await transaction.connection(id: id, in: scope), record.kind == .connection else {
                return try await deletePartnerConnection(id, in: transaction, scope, at: now)
            }
            if let hosted = record.hosted, Hosted.state(record, at: now) == .ordering {
                // Its owner refusing it (reference §2): `rejected`, and gone for both accounts (our choice: a deleted
                // connection is not listed, as dedicated ones are not).
                try await unlinkHosted(id, from: hosted, in: transaction, scope)
                try await transaction.deleteConnection(id: id, in: scope)
                return Self.connection(record, lag: nil, in: scope, at: now, state: .rejected, mka: .untouched)
            }
            // The user guide: "Before you can delete a connection, you must delete its virtual interface"; the
            // wording follows DeleteLag's, which Ansible matches (reference §1.7).
            guard try await !carriesInterfaces(id, in: transaction, scope, at: now) else {
                throw AWSError.client("Connection \(id) cannot be deleted until its Virtual Interfaces are deleted")
            }
            if let hosted = record.hosted {
                // Its link in the partner's scope goes with it.
                try await unlinkHosted(id, from: hosted, in: transaction, scope)
            }
            let lag = try await record.lagId.asyncMap { try await transaction.lag(id: $0, in: scope) } ?? nil
            try await deletePort(record, in: transaction, scope)
            if let lag {
                // One member fewer may take the LAG below its minimum links, and what it carries down with it.
                let members = try await transaction.members(ofLag: lag.id, in: scope).filter { $0.id != id }
                try await propagateLagState(lag, members: members, in: scope, transaction, at: now)
            }
            record.keys = []
            var shown = Self.connection(record, lag: nil, in: scope, at: now, state: .deleted, mka: .untouched)
            shown.encryptionMode = (lag?.port.encryptionMode ?? record.port.encryptionMode).rawValue
            return shown
        }
    }

    // MARK: Interconnects

    package func createInterconnect(_ input: CreateInterconnectRequest, in scope: Scope) async throws -> Interconnect {
        try Self.requireMembers(input)
        let name = try Self.required(input.interconnectName, "interconnectName")
        let location = try Self.required(input.location, "location")
        let bandwidth = try Self.required(input.bandwidth, "bandwidth")
        let tags = try Self.validatedTags(input.tags)
        let port = try newPort(
            location: location,
            bandwidth: bandwidth,
            requestMACSec: input.requestMACSec ?? false,
            providerName: input.providerName,
            in: scope
        )
        let now = clock.now
        return try await transaction(.write) { transaction in
            var lag: LagRecord?
            if let lagId = input.lagId {
                lag = try await lagForNewMember(
                    lagId,
                    port: port,
                    subject: "The new interconnect",
                    in: transaction,
                    scope
                )
            }
            let id = try await unusedId(Identifiers.newConnectionId, in: transaction, scopes: scope)
            var record = ConnectionRecord(
                id: id,
                kind: .interconnect,
                name: name,
                port: port,
                vlan: 0,
                lagId: lag?.id,
                state: SettlingState(transitional: .requested, settlesAt: settled(from: now, .connection)),
                createdAt: now,
                tags: tags,
                keys: []
            )
            if let lag { record.port.move(toDeviceOf: lag.port) }
            try await transaction.save(record, in: scope)
            return Self.interconnect(record, lag: lag, in: scope, at: now, state: .requested)
        }
    }

    package func describeInterconnects(
        _ input: DescribeInterconnectsRequest,
        in scope: Scope
    ) async throws
        -> Interconnects
    {
        let now = clock.now
        if let id = input.interconnectId {
            return try await transaction(.read) { transaction in
                guard let record = try await transaction.connection(id: id, in: scope), record.kind == .interconnect
                else { throw AWSError.client("Could not find Interconnect with ID \(id)") }
                let lag = try await record.lagId.asyncMap { try await transaction.lag(id: $0, in: scope) } ?? nil
                return Interconnects(interconnects: [Self.interconnect(record, lag: lag, in: scope, at: now)])
            }
        }
        let request = try pages.request(
            list: "interconnects",
            maxResults: input.maxResults,
            nextToken: input.nextToken,
            in: scope
        )
        return try await transaction(.read) { transaction in
            let records = try await transaction.connections(of: .interconnect, in: scope, page: request)
            let (page, token) = try pages.finish(records, request: request, list: "interconnects", in: scope, id: \.id)
            let lags = try await lagsOf(page, in: transaction, scope)
            return Interconnects(
                interconnects: page.map {
                    Self.interconnect($0, lag: $0.lagId.flatMap { lags[$0] }, in: scope, at: now)
                },
                nextToken: token
            )
        }
    }

    package func deleteInterconnect(
        _ input: DeleteInterconnectRequest,
        in scope: Scope
    ) async throws
        -> DeleteInterconnectResponse
    {
        try Self.requireMembers(input)
        let id = try Self.required(input.interconnectId, "interconnectId")
        return try await transaction(.write) { transaction in
            guard let record = try await transaction.connection(id: id, in: scope), record.kind == .interconnect else {
                throw AWSError.client("Could not find Interconnect with ID \(id)")
            }
            guard try await !carriesHostedConnections(id, in: transaction, scope) else {
                throw AWSError.client("Interconnect \(id) cannot be deleted until its hosted connections are deleted")
            }
            try await transaction.deleteConnection(id: record.id, in: scope)
            return DeleteInterconnectResponse(interconnectState: .deleted)
        }
    }
}

extension Optional {
    /// `map` for an async transform.
    func asyncMap<U>(_ transform: (Wrapped) async throws -> U) async rethrows -> U? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
