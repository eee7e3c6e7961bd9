import AWSJSONProtocol
import DirectConnectModel
import Foundation
import ServiceKit
import Storage

/// Link aggregation groups and their members.
extension DirectConnectService {
    package func createLag(_ input: CreateLagRequest, in scope: Scope) async throws -> Lag {
        try Self.requireMembers(input)
        let name = try Self.required(input.lagName, "lagName")
        let location = try Self.required(input.location, "location")
        let bandwidth = try Self.required(input.connectionsBandwidth, "connectionsBandwidth")
        let count = input.numberOfConnections ?? 0
        let requestMACSec = input.requestMACSec ?? false
        let tags = try Self.validatedTags(input.tags)
        let childTags = try Self.validatedTags(input.childConnectionTags)
        let port = try newPort(
            location: location,
            bandwidth: bandwidth,
            requestMACSec: requestMACSec,
            providerName: input.providerName,
            in: scope
        )
        let maximum = PortSpeed.maximumLagMembers(bandwidth: bandwidth)
        guard (1...maximum).contains(count) else {
            throw AWSError.client("numberOfConnections must be between 1 and \(maximum) for \(bandwidth) lags")
        }
        let now = clock.now
        return try await transaction(.write) { transaction in
            let lagId = try await unusedId(Identifiers.newLagId, in: transaction, scopes: scope)
            var members: [ConnectionRecord] = []
            // The LAG is made on the device of the connection it starts from (the API reference), its new members
            // with it.
            var port = port
            if let existingId = input.connectionId {
                guard var existing = try await transaction.connection(id: existingId, in: scope) else {
                    throw AWSError.connectionNotFound(existingId)
                }
                try Self.checkCanJoin(existing, lagPort: port, lagId: nil)
                existing.lagId = lagId
                existing.keys = []
                port.move(toDeviceOf: existing.port)
                members.append(existing)
            }
            let existingMembers = members.count
            let settlesAt = settled(from: now, .connection)
            for index in members.count..<count {
                let id = try await unusedId(Identifiers.newConnectionId, in: transaction, scopes: scope)
                members.append(
                    ConnectionRecord(
                        id: id,
                        kind: .connection,
                        name: "Requested Connection \(index + 1) for Lag \(lagId)",
                        port: port,
                        vlan: 0,
                        lagId: lagId,
                        state: SettlingState(transitional: .requested, settlesAt: settlesAt),
                        createdAt: now,
                        tags: childTags,
                        keys: []
                    )
                )
            }
            let lag = LagRecord(
                id: lagId,
                name: name,
                port: port,
                minimumLinks: 0,
                state: SettlingState(transitional: .pending, settlesAt: settlesAt),
                createdAt: now,
                tags: tags,
                keys: []
            )
            try await transaction.save(lag, in: scope)
            for member in members {
                try await transaction.save(member, in: scope)
            }
            if input.connectionId != nil, let existing = members.first {
                try await moveCarried(from: existing, to: lag, in: transaction, scope, at: now)
            }
            // SPEC 3: a new connection answers `requested` in the create response, as the LAG answers `pending`;
            // the one it starts from answers as it stands.
            var answer = Self.lag(lag, members: members, in: scope, at: now, state: .pending, mka: .untouched)
            answer.connections = answer.connections?.enumerated().map { index, member in
                var member = member
                if index >= existingMembers { member.connectionState = .requested }
                return member
            }
            return answer
        }
    }

    /// Whether an existing connection may become a member of a LAG with the given port. `fromAnotherLag`: a member
    /// of another LAG may move (AssociateConnectionWithLag; our choice: CreateLag takes standalone ports only). Keys
    /// of its own do not stop it: joining disassociates them, and it takes the LAG's (the user guide's MACsec
    /// considerations for LAGs); their secrets stay.
    /// `lagId` is `nil` for the LAG CreateLag is making, which no message names: a refused request makes none.
    static func checkCanJoin(
        _ connection: ConnectionRecord,
        lagPort: PortRecord,
        lagId: String?,
        fromAnotherLag: Bool = false
    ) throws {
        let lag = lagId.map { "lag \($0)" } ?? "the new lag"
        if connection.hosted != nil {
            throw AWSError.client("Connection \(connection.id) is a hosted connection: it cannot join \(lag)")
        }
        if let current = connection.lagId, current == lagId || !fromAnotherLag {
            throw AWSError.client("Connection \(connection.id) is already a member of lag \(current)")
        }
        guard connection.port.location == lagPort.location, connection.port.bandwidth == lagPort.bandwidth else {
            throw AWSError.client(
                "Connection \(connection.id) must be at location \(lagPort.location) with bandwidth "
                    + "\(lagPort.bandwidth) to join \(lag)"
            )
        }
        guard connection.port.macSecCapable == lagPort.macSecCapable else {
            throw AWSError.client("Connection \(connection.id) and lag should be requested MacSec at the same time")
        }
    }

    package func describeLags(_ input: DescribeLagsRequest, in scope: Scope) async throws -> Lags {
        let now = clock.now
        if let id = input.lagId {
            return try await transaction(.read) { transaction in
                guard let lag = try await transaction.lag(id: id, in: scope) else {
                    throw AWSError.client("Could not find Lag with ID \(id)")
                }
                let members = try await transaction.members(ofLag: id, in: scope)
                let mka = try await mkaVerdicts(members, lags: [id: lag], in: transaction, scope, at: now)
                return Lags(lags: [Self.lag(lag, members: members, in: scope, at: now, mka: mka)])
            }
        }
        let request = try pages.request(
            list: "lags",
            maxResults: input.maxResults,
            nextToken: input.nextToken,
            in: scope
        )
        return try await transaction(.read) { transaction in
            let records = try await transaction.lags(in: scope, page: request)
            let (page, token) = try pages.finish(records, request: request, list: "lags", in: scope, id: \.id)
            var members: [[ConnectionRecord]] = []
            for lag in page { members.append(try await transaction.members(ofLag: lag.id, in: scope)) }
            // The verdicts of the whole page at once: the customer routers of the scope are read once, not a LAG.
            let mka = try await mkaVerdicts(
                members.flatMap(\.self),
                lags: Dictionary(page.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }),
                in: transaction,
                scope,
                at: now
            )
            let lags = zip(page, members).map { lag, members in
                Self.lag(lag, members: members, in: scope, at: now, mka: mka)
            }
            return Lags(lags: lags, nextToken: token)
        }
    }

    package func updateLag(_ input: UpdateLagRequest, in scope: Scope) async throws -> Lag {
        try Self.requireMembers(input)
        let id = try Self.required(input.lagId, "lagId")
        let now = clock.now
        return try await transaction(.write) { transaction in
            guard var lag = try await transaction.lag(id: id, in: scope) else {
                throw AWSError.client("Could not find Lag with ID \(id)")
            }
            let members = try await transaction.members(ofLag: id, in: scope)
            if let name = input.lagName {
                guard !name.isEmpty else { throw AWSError.client("lagName of \(id) must not be empty") }
                lag.name = name
            }
            if let minimumLinks = input.minimumLinks {
                guard (0...members.count).contains(minimumLinks) else {
                    throw AWSError.client(
                        "minimumLinks of \(id) must be between 0 and its \(members.count) connections"
                    )
                }
                lag.minimumLinks = minimumLinks
            }
            if let requested = input.encryptionMode {
                lag.port.setEncryptionMode(try Self.validateEncryptionMode(requested, on: lag.port, id: id), at: now)
            } else {
                lag.port.encryptionMode = Keychain.effectiveMode(lag.port.encryptionMode, keys: lag.keys, at: now)
            }
            lag.keys = Keychain.visible(lag.keys, at: now)
            try await transaction.save(lag, in: scope)
            // The API reference: a LAG whose operational connections fall below its minimum links goes down.
            if input.minimumLinks != nil {
                try await propagateLagState(lag, members: members, in: scope, transaction, at: now)
            }
            let mka = try await mkaVerdicts(members, lags: [id: lag], in: transaction, scope, at: now)
            return Self.lag(lag, members: members, in: scope, at: now, mka: mka)
        }
    }

    package func deleteLag(_ input: DeleteLagRequest, in scope: Scope) async throws -> Lag {
        try Self.requireMembers(input)
        let id = try Self.required(input.lagId, "lagId")
        let now = clock.now
        return try await transaction(.write) { transaction in
            guard var lag = try await transaction.lag(id: id, in: scope) else {
                throw AWSError.client("Could not find Lag with ID \(id)")
            }
            guard try await !carriesInterfaces(id, in: transaction, scope, at: now) else {
                throw AWSError.client("Lag \(id) cannot be deleted until its Virtual Interfaces are deleted")
            }
            guard try await !carriesHostedConnections(id, in: transaction, scope) else {
                throw AWSError.client("Lag \(id) cannot be deleted until its hosted connections are deleted")
            }
            let members = try await transaction.members(ofLag: id, in: scope)
            for member in members {
                try await deletePort(member, in: transaction, scope)
            }
            try await transaction.deleteLag(id: id, in: scope)
            lag.keys = []
            return Self.lag(
                lag,
                members: members,
                in: scope,
                at: now,
                state: .deleted,
                memberState: .deleted,
                mka: .untouched
            )
        }
    }

    package func associateConnectionWithLag(
        _ input: AssociateConnectionWithLagRequest,
        in scope: Scope
    ) async throws
        -> Connection
    {
        try Self.requireMembers(input)
        let connectionId = try Self.required(input.connectionId, "connectionId")
        let lagId = try Self.required(input.lagId, "lagId")
        let now = clock.now
        return try await transaction(.write) { transaction in
            guard var connection = try await transaction.connection(id: connectionId, in: scope) else {
                throw AWSError.connectionNotFound(connectionId)
            }
            guard let lag = try await transaction.lag(id: lagId, in: scope) else {
                throw AWSError.client("Could not find Lag with ID \(lagId)")
            }
            try Self.checkCanJoin(connection, lagPort: lag.port, lagId: lagId, fromAnotherLag: true)
            let members = try await transaction.members(ofLag: lagId, in: scope)
            let maximum = PortSpeed.maximumLagMembers(bandwidth: lag.port.bandwidth)
            guard members.count < maximum else {
                throw AWSError.client("Lag \(lagId) already has the maximum of \(maximum) connections")
            }
            // A member of another LAG moves unless its LAG would fall below its minimum links (the API reference,
            // which names no exception here), and what that LAG carries stays with it.
            var previous: (record: LagRecord, members: [ConnectionRecord])?
            if let previousId = connection.lagId, let record = try await transaction.lag(id: previousId, in: scope) {
                let remaining = try await transaction.members(ofLag: previousId, in: scope).filter {
                    $0.id != connectionId
                }
                try Self.checkLeaving(connectionId, record, remaining: remaining, lastMayLeave: false, at: now)
                previous = (record, remaining)
            }
            connection.lagId = lagId
            connection.keys = []
            // Our choice: AWS requires the connection to be on the LAG's endpoint already; here every port has a
            // device of its own, so the member moves onto the LAG's.
            connection.port.move(toDeviceOf: lag.port)
            try await transaction.save(connection, in: scope)
            if let previous {
                try await propagateLagState(previous.record, members: previous.members, in: scope, transaction, at: now)
                try await propagateLagState(lag, members: members + [connection], in: scope, transaction, at: now)
            } else {
                try await moveCarried(from: connection, to: lag, in: transaction, scope, at: now)
            }
            let mka = try await mkaVerdicts([connection], lags: [lagId: lag], in: transaction, scope, at: now)
            return Self.connection(connection, lag: lag, in: scope, at: now, mka: mka)
        }
    }

    /// A member may leave its LAG (the API reference) unless the LAG would fall below its minimum links; the last
    /// member may always leave where `lastMayLeave` (DisassociateConnectionFromLag). Our choice: the message, and
    /// operational members are those `available` and not held down.
    static func checkLeaving(
        _ connectionId: String,
        _ lag: LagRecord,
        remaining: [ConnectionRecord],
        lastMayLeave: Bool,
        at now: Date
    ) throws {
        if lastMayLeave, remaining.isEmpty { return }
        let operational = remaining.count {
            Keychain.portState($0.state, portDown: $0.portDownAt != nil, at: now) == .available
        }
        guard operational >= lag.minimumLinks else {
            throw AWSError.client(
                "Connection \(connectionId) cannot leave lag \(lag.id): the lag would have \(operational) operational "
                    + "connections, below its minimum links of \(lag.minimumLinks)"
            )
        }
    }

    /// What a port carries moves to the LAG it joins (reference: AssociateConnectionWithLag re-associates a
    /// connection's virtual interfaces, or an interconnect's hosted connections, with the LAG). Each keeps its VLAN,
    /// which must be free on the LAG, and the LAG must have room for it, else the join is refused (our choice: the
    /// API reference does not say what a clash does). Then all the LAG carries reads `down` or comes back as the LAG
    /// with its new member is (as after a port event). `port` is saved as a member already.
    func moveCarried(
        from port: ConnectionRecord,
        to lag: LagRecord,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date
    ) async throws {
        let target = try await carrier(lag.id, in: transaction, scope, at: now)
        switch port.kind {
        case .connection:
            let carried = try await transaction.records(
                VirtualInterfaceRecord.self,
                in: scope,
                matching: RecordMatch(.first, port.id),
                page: .all
            )
            let moving = Set(carried.map(\.id))
            for var record in carried {
                if VirtualInterfaceRules.isHeld(record, at: now) {
                    let kind = VirtualInterfaceRules.Kind(rawValue: record.type) ?? .private
                    try await checkRoom(
                        on: target,
                        kind: kind,
                        vlan: record.vlan,
                        moving: record,
                        movingWith: moving,
                        in: transaction,
                        scope,
                        at: now
                    )
                }
                record.connectionId = lag.id
                record.move(toDeviceOf: lag.port)
                try await transaction.save(record, in: scope)
            }
        case .interconnect:
            let parent = HostedParent(id: lag.id, port: lag.port, isLag: true)
            for held in try await hostedConnections(on: port.id, in: transaction, scope) {
                try await checkVlanFree(held.record.vlan, on: parent, in: transaction, scope, at: now)
                _ = try await move(held, onto: parent, in: transaction)
            }
        }
        let members = try await transaction.members(ofLag: lag.id, in: scope)
        try await propagateLagState(lag, members: members, in: scope, transaction, at: now)
    }

    package func disassociateConnectionFromLag(
        _ input: DisassociateConnectionFromLagRequest,
        in scope: Scope
    ) async throws -> Connection {
        try Self.requireMembers(input)
        let connectionId = try Self.required(input.connectionId, "connectionId")
        let lagId = try Self.required(input.lagId, "lagId")
        let now = clock.now
        return try await transaction(.write) { transaction in
            guard var connection = try await transaction.connection(id: connectionId, in: scope) else {
                throw AWSError.connectionNotFound(connectionId)
            }
            guard let lag = try await transaction.lag(id: lagId, in: scope) else {
                throw AWSError.client("Could not find Lag with ID \(lagId)")
            }
            guard connection.lagId == lagId else {
                throw AWSError.client("Connection \(connectionId) is not a member of lag \(lagId)")
            }
            var members = try await transaction.members(ofLag: lagId, in: scope)
            members.removeAll { $0.id == connectionId }
            try Self.checkLeaving(connectionId, lag, remaining: members, lastMayLeave: true, at: now)
            connection.lagId = nil
            connection.keys = []
            // The LAG's keys stay with the LAG, so a departing member cannot keep demanding encryption.
            connection.port.setEncryptionMode(
                lag.port.encryptionMode == .mustEncrypt ? .shouldEncrypt : lag.port.encryptionMode,
                at: now
            )
            try await transaction.save(connection, in: scope)
            // What the LAG carries stays with it, and reads `down` once the LAG is (as after a port event).
            try await propagateLagState(lag, members: members, in: scope, transaction, at: now)
            let mka = try await mkaVerdicts([connection], lags: [:], in: transaction, scope, at: now)
            return Self.connection(connection, lag: nil, in: scope, at: now, mka: mka)
        }
    }
}
