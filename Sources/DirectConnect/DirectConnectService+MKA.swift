import AWSJSONProtocol
import DirectConnectModel
import Foundation
import MKA
import SecretsManager
import ServiceKit
import Storage
import Synchronization

/// SPEC 12's switches: who stands at the customer's end of a port nobody configured, and how fast MKA's timers run.
package struct MKASettings: Sendable {
    package enum CustomerRouter: String, Sendable, CaseIterable {
        /// A customer holding the same keys as AWS, taken as secured the instant a key's association settles.
        case auto
        /// No customer: an unconfigured port is never secured.
        case none
    }

    package var customerRouter: CustomerRouter
    /// MKA's hello (2 s) and life (6 s) times are multiplied by this (`--mka-time-scale`).
    package var timeScale: Double

    package init(customerRouter: CustomerRouter = .auto, timeScale: Double = 1) {
        self.customerRouter = customerRouter
        self.timeScale = timeScale
    }
}

/// The replays of the ports' links this instance computed, by port, so that a read continues from the last instead of
/// replaying from the start. A replay is a pure function of the records, so this only saves work: another instance,
/// or this one after a restart, computes the same link.
package final class MKAReplays: Sendable {
    /// The ports kept (our choice: a test suite configures a handful); beyond, the cache starts again.
    static let capacity = 1_024
    private let replays = Mutex<[String: MKAReplay<Xoshiro256StarStar>]>([:])

    package init() {}

    /// The link of `port` at `now`, or `nil` when the timeline has no customer configuration.
    func link(port: String, timeline: MKATimeline, at now: Date) throws -> MKALink? {
        var replay = replays.withLock { $0[port] }
        if let kept = replay, !(kept.link.now <= now && kept.continues(timeline)) { replay = nil }
        if replay == nil {
            replay = try MKAReplay(timeline, random: Xoshiro256StarStar(seed: timeline.seed(port: port)))
        }
        guard var replay else { return nil }
        try replay.advance(over: timeline, to: now)
        let advanced = replay
        replays.withLock { replays in
            if replays.count >= Self.capacity, replays[port] == nil { replays.removeAll() }
            replays[port] = advanced
        }
        return advanced.link
    }
}

/// Whether MKA has secured each port a read renders (SPEC 12), where the protocol decides: a port with a configured
/// customer router, or any port with `--customer-router none`. Elsewhere (`nil`) the `auto` customer's rule holds:
/// secured once a key's association settles, as `Keychain.portEncryptionStatus` says.
struct MKAVerdicts: Sendable {
    var customerRouter: MKASettings.CustomerRouter
    /// The link of each port with a configured customer router (`nil` while the replay has none).
    var links: [String: MKALink?] = [:]

    /// What no port of a read needs: hosted connections, new ports, ports that are gone.
    static let untouched = MKAVerdicts(customerRouter: .auto)

    func secured(_ record: ConnectionRecord) -> Bool? {
        guard Self.runsMKA(record) else { return nil }
        if let link = links[record.id] { return link?.isSecured ?? false }
        return customerRouter == .none ? false : nil
    }

    /// A MACsec-capable dedicated connection, or a LAG's member: the ports with a device and a customer (our
    /// choice: an interconnect's MACsec is the partner's business, not simulated).
    static func runsMKA(_ record: ConnectionRecord) -> Bool {
        record.port.macSecCapable && record.kind == .connection && record.hosted == nil
    }

    /// Whether `window` can outlast this instant: a link's timers change it at any moment.
    var changesAnyMoment: Bool { !links.isEmpty }
}

extension PortRecord {
    /// The earlier `no_encrypt` times a port keeps (our choice, as its customer router's configurations). Dropping
    /// the oldest changes the replay's far past (the device on through it), so the next read replays from the start.
    package static let plaintextHistoryLimit = 32

    /// Sets the mode at `now`, keeping the times it was `no_encrypt`: the device runs no MKA then (reference
    /// `mka.md` §4.7), so the replay's device has no participant through them.
    package mutating func setEncryptionMode(_ mode: EncryptionMode, at now: Date) {
        if encryptionMode == .noEncrypt, mode != .noEncrypt {
            let span = OutageRecord(downAt: plaintextSince ?? .distantPast, upAt: now)
            pastPlaintext = Array(((pastPlaintext ?? []) + [span]).suffix(Self.plaintextHistoryLimit))
            plaintextSince = nil
        } else if encryptionMode != .noEncrypt, mode == .noEncrypt {
            plaintextSince = now
        }
        encryptionMode = mode
    }

    /// The times the port was `no_encrypt`, oldest first, the current one open-ended.
    package var plaintextSpans: [MKATimeline.Outage] {
        (pastPlaintext ?? []).map(MKATimeline.Outage.init)
            + (encryptionMode == .noEncrypt
                ? [MKATimeline.Outage(from: plaintextSince ?? .distantPast, until: nil)] : [])
    }
}

extension MKATimeline.Outage {
    /// A span kept on a port: an outage, or a time in `no_encrypt`.
    init(_ record: OutageRecord) {
        self.init(from: record.downAt, until: record.upAt)
    }
}

/// What `GET /_dxlocal/mka/{id}` shows.
package struct MKAObservation: Sendable {
    package var connection: Connection
    package var at: Date
    /// `configured`, `auto` or `none`.
    package var customerRouter: String
    package var secured: Bool
    package var link: MKALink?
    package var deviceSCI: MKPDU.SCI
    package var customerSCI: MKPDU.SCI
}

extension DirectConnectService {
    /// The configurations kept per port (our choice): the replay begins at the oldest kept.
    static let mkaHistoryLimit = 32
    /// The most keys a customer router holds (our choice).
    static let mkaCustomerKeyLimit = 8
    /// The AWS device's key server priority (our choice: AWS does not publish it; 16 is the usual default).
    static let deviceKeyServerPriority: UInt8 = 16

    /// The device's cipher suites by port speed, preferred first (reference `mka.md` §3): XPN is required at 100 and
    /// 400 Gbps; 10 Gbps also takes GCM-AES-256.
    static func deviceSuites(bandwidth: String) -> [MKPDU.CipherSuite] {
        bandwidth == "10Gbps" ? [.gcmAESXPN256, .gcmAES256] : [.gcmAESXPN256]
    }

    static func operatorInvalid(_ message: String) -> AWSError {
        AWSError(code: "ValidationException", message: message, status: 400)
    }

    // MARK: The customer router

    /// A MACsec-capable dedicated connection (or LAG member), by ID, in any account and region.
    func mkaPort(_ id: String, in transaction: any StoreTransaction) async throws -> Scoped<ConnectionRecord> {
        guard let found = try await transaction.recordInAnyScope(ConnectionRecord.self, id: id),
            found.record.kind == .connection
        else {
            throw AWSError(
                code: "NotFoundException",
                message: "No connection has the ID \(Identifiers.quoted(id))",
                status: 404
            )
        }
        guard MKAVerdicts.runsMKA(found.record) else {
            throw Self.operatorInvalid("Connection \(id) is not MACsec capable: it has no MKA")
        }
        return found
    }

    /// `PUT /_dxlocal/mka/customer/{id}`: the customer router's new configuration, in force from the clock's
    /// instant; a port's earlier configurations stay (sealed) for the replay. Refused whole, changing nothing, when a
    /// key, the priority or a cipher suite is not one MKA takes.
    package func configureCustomerRouter(
        _ id: String,
        keys: [(ckn: String?, cak: String?)]?,
        keyServerPriority: Int?,
        cipherSuites: [String]?
    ) async throws -> (record: MKACustomerRecord, scope: Scope) {
        let now = clock.now
        let entry = try Self.customerEntry(
            id,
            keys: keys,
            keyServerPriority: keyServerPriority,
            cipherSuites: cipherSuites,
            at: now
        )
        return try await transaction(.write) { transaction in
            let port = try await mkaPort(id, in: transaction)
            var history: [MKACustomerEntryRecord] = []
            if let existing = try await transaction.record(MKACustomerRecord.self, id: id, in: port.scope) {
                history = try openHistory(existing)
            }
            history.append(entry)
            history.removeFirst(max(0, history.count - Self.mkaHistoryLimit))
            let sealed = try sealHistory(history, portId: id)
            let record = MKACustomerRecord(
                id: id,
                ckns: entry.keys.map(\.ckn),
                keyServerPriority: entry.keyServerPriority,
                cipherSuites: entry.cipherSuites,
                configuredAt: now,
                sealedHistory: sealed.sealed,
                masterKeyId: sealed.keyId
            )
            try await transaction.save(record, in: port.scope)
            return (record, port.scope)
        }
    }

    /// The checks of a customer router's configuration; every message names the port and the member.
    static func customerEntry(
        _ id: String,
        keys: [(ckn: String?, cak: String?)]?,
        keyServerPriority: Int?,
        cipherSuites: [String]?,
        at now: Date
    ) throws -> MKACustomerEntryRecord {
        guard let keys else {
            throw operatorInvalid("Member keys is missing: name the customer router's keys for \(id)")
        }
        guard keys.count <= mkaCustomerKeyLimit else {
            throw operatorInvalid("A customer router holds at most \(mkaCustomerKeyLimit) keys, not \(keys.count)")
        }
        var checked: [MKACustomerKeyRecord] = []
        for (index, key) in keys.enumerated() {
            guard let ckn = key.ckn, Keychain.isValidKeyMaterial(ckn) else {
                throw operatorInvalid("keys[\(index)].ckn for \(id) must be exactly 64 hexadecimal characters")
            }
            guard let cak = key.cak, Keychain.isValidKeyMaterial(cak) else {
                throw operatorInvalid("keys[\(index)].cak for \(id) must be exactly 64 hexadecimal characters")
            }
            guard !checked.contains(where: { Keychain.sameKeyMaterial($0.ckn, ckn) }) else {
                throw operatorInvalid("keys[\(index)].ckn \(ckn) is given twice for \(id)")
            }
            checked.append(MKACustomerKeyRecord(ckn: ckn.lowercased(), cak: cak.lowercased()))
        }
        let priority = keyServerPriority ?? 16
        guard (0...255).contains(priority) else {
            throw operatorInvalid("keyServerPriority for \(id) must be 0 to 255, not \(priority)")
        }
        if let cipherSuites {
            let names = MKPDU.CipherSuite.allCases.map(\.name)
            guard !cipherSuites.isEmpty else {
                throw operatorInvalid(
                    "cipherSuites for \(id) must name at least one of \(names.joined(separator: ", "))"
                )
            }
            for suite in cipherSuites where !names.contains(suite) {
                throw operatorInvalid(
                    "cipherSuites for \(id): \(Identifiers.quoted(suite)) is not one of \(names.joined(separator: ", "))"
                )
            }
            guard Set(cipherSuites).count == cipherSuites.count else {
                throw operatorInvalid("cipherSuites for \(id) names a suite twice")
            }
        }
        return MKACustomerEntryRecord(
            at: now,
            keys: checked,
            keyServerPriority: priority,
            cipherSuites: cipherSuites
        )
    }

    /// `GET /_dxlocal/mka/customer/{id}`: the configuration, never its CAKs.
    package func customerRouter(_ id: String) async throws -> (record: MKACustomerRecord, scope: Scope) {
        try await transaction(.read) { transaction in
            let port = try await mkaPort(id, in: transaction)
            guard let record = try await transaction.record(MKACustomerRecord.self, id: id, in: port.scope) else {
                throw Self.noCustomerRouter(id)
            }
            return (record, port.scope)
        }
    }

    /// `DELETE /_dxlocal/mka/customer/{id}`: the port's customer is `--customer-router`'s again (our choice: its
    /// history goes with it, and a port configured again starts a new replay).
    package func clearCustomerRouter(_ id: String) async throws -> (record: MKACustomerRecord, scope: Scope) {
        try await transaction(.write) { transaction in
            let port = try await mkaPort(id, in: transaction)
            guard let record = try await transaction.record(MKACustomerRecord.self, id: id, in: port.scope) else {
                throw Self.noCustomerRouter(id)
            }
            try await transaction.delete(MKACustomerRecord.self, id: id, in: port.scope)
            return (record, port.scope)
        }
    }

    /// Deletes a dedicated connection (or LAG member) and, for a MACsec port, its customer router.
    func deletePort(_ record: ConnectionRecord, in transaction: any StoreTransaction, _ scope: Scope) async throws {
        try await transaction.deleteConnection(id: record.id, in: scope)
        if MKAVerdicts.runsMKA(record) {
            try await transaction.delete(MKACustomerRecord.self, id: record.id, in: scope)
        }
    }

    static func noCustomerRouter(_ id: String) -> AWSError {
        AWSError(
            code: "NotFoundException",
            message: "No customer router is configured on connection \(id)",
            status: 404
        )
    }

    func openHistory(_ record: MKACustomerRecord) throws -> [MKACustomerEntryRecord] {
        do {
            let opened = try sealer.open(
                record.sealedHistory,
                keyId: record.masterKeyId,
                context: MKACustomerSealing.context(portId: record.id)
            )
            return try AWSJSONCoding.decode([MKACustomerEntryRecord].self, from: opened)
        } catch {
            throw Self.serverError
        }
    }

    func sealHistory(_ history: [MKACustomerEntryRecord], portId: String) throws -> (sealed: Data, keyId: String) {
        do {
            return try sealer.seal(
                Data(AWSJSONWriter.bytes(history)),
                context: MKACustomerSealing.context(portId: portId)
            )
        } catch {
            throw Self.serverError
        }
    }

    // MARK: The link

    /// The timeline of a port with a configured customer: the device's keys (the port's, or its LAG's) with their
    /// CAKs from the managed secrets, each from its association's settling until its disassociation was asked for
    /// or its secret went; the customer's configurations; the carrier.
    func mkaTimeline(
        _ port: ConnectionRecord,
        keys: [KeyRecord],
        mode: PortRecord,
        customer: MKACustomerRecord,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date
    ) async throws -> MKATimeline {
        var deviceKeys: [MKATimeline.DeviceKey] = []
        for key in keys {
            guard let value = try await secrets.currentValue(arn: key.secretARN, in: transaction, scope, now: now),
                let pair = try? JSONDecoder().decode(MacSecSecretValue.self, from: Data(value.utf8)),
                let ckn = MKAKeys.bytes(hex: pair.ckn), let cak = MKAKeys.bytes(hex: pair.cak)
            else { continue }
            let ends = [key.disassociationRequestedAt, key.expiresAt].compactMap(\.self)
            deviceKeys.append(.init(ckn: ckn, cak: cak, from: key.associatedAt, until: ends.min()))
        }
        let configurations = try openHistory(customer).map { entry in
            MKATimeline.CustomerConfiguration(
                at: entry.at,
                keys: entry.keys.compactMap { key in
                    guard let ckn = MKAKeys.bytes(hex: key.ckn), let cak = MKAKeys.bytes(hex: key.cak) else {
                        return nil
                    }
                    return MKATimeline.CustomerKey(ckn: ckn, cak: cak)
                },
                keyServerPriority: UInt8(clamping: entry.keyServerPriority),
                cipherSuites: entry.cipherSuites?.compactMap(MKPDU.CipherSuite.init(name:))
            )
        }
        return MKATimeline(
            deviceKeys: deviceKeys,
            customer: configurations,
            outages: (port.pastOutages ?? []).map(MKATimeline.Outage.init)
                + [port.portDownAt].compactMap { $0.map { MKATimeline.Outage(from: $0, until: nil) } },
            deviceOff: mode.plaintextSpans,
            deviceSCI: Self.deviceSCI(port.id),
            customerSCI: Self.customerSCI(port.id),
            deviceKeyServerPriority: Self.deviceKeyServerPriority,
            deviceSuites: Self.deviceSuites(bandwidth: port.port.bandwidth),
            timers: MKATimers(scale: mka.timeScale)
        )
    }

    static func deviceSCI(_ portId: String) -> MKPDU.SCI { .derived(from: "aws-device|\(portId)") }
    static func customerSCI(_ portId: String) -> MKPDU.SCI { .derived(from: "customer-router|\(portId)") }

    /// The link of a port with a configured customer at `now`.
    func mkaLink(
        _ port: ConnectionRecord,
        lag: LagRecord?,
        customer: MKACustomerRecord,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date
    ) async throws -> MKALink? {
        let timeline = try await mkaTimeline(
            port,
            keys: lag?.keys ?? port.keys,
            mode: lag?.port ?? port.port,
            customer: customer,
            in: transaction,
            scope,
            at: now
        )
        do {
            return try replays.link(port: port.id, timeline: timeline, at: now)
        } catch {
            throw Self.serverError
        }
    }

    /// The verdicts of the ports a read renders: the link of each with a configured customer at `now`.
    func mkaVerdicts(
        _ ports: [ConnectionRecord],
        lags: [String: LagRecord],
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date
    ) async throws -> MKAVerdicts {
        var verdicts = MKAVerdicts(customerRouter: mka.customerRouter)
        let candidates = ports.filter(MKAVerdicts.runsMKA)
        guard !candidates.isEmpty else { return verdicts }
        var customers: [String: MKACustomerRecord] = [:]
        if candidates.count == 1, let only = candidates.first {
            customers[only.id] = try await transaction.record(MKACustomerRecord.self, id: only.id, in: scope)
        } else {
            for record in try await transaction.records(MKACustomerRecord.self, in: scope, matching: nil, page: .all) {
                customers[record.id] = record
            }
        }
        for port in candidates {
            guard let customer = customers[port.id] else { continue }
            let lag = port.lagId.flatMap { lags[$0] }
            verdicts.links[port.id] = try await mkaLink(
                port,
                lag: lag,
                customer: customer,
                in: transaction,
                scope,
                at: now
            )
        }
        return verdicts
    }

    /// `GET /_dxlocal/mka/{id}`: the port's two ends at the clock's instant.
    package func observeMKA(_ id: String) async throws -> MKAObservation {
        let now = clock.now
        return try await transaction(.read) { transaction in
            let port = try await mkaPort(id, in: transaction)
            let lag = try await port.record.lagId.asyncMap { try await transaction.lag(id: $0, in: port.scope) } ?? nil
            let lags = lag.map { [$0.id: $0] } ?? [:]
            // One replay serves both the rendering and the observation: `mkaPort` admits only ports that run MKA,
            // so the verdicts hold a link exactly when the port has a configured customer router.
            let verdicts = try await mkaVerdicts([port.record], lags: lags, in: transaction, port.scope, at: now)
            let configured = verdicts.links[id]
            let connection = Self.connection(port.record, lag: lag, in: port.scope, at: now, mka: verdicts)
            return MKAObservation(
                connection: connection,
                at: now,
                customerRouter: configured != nil ? "configured" : mka.customerRouter.rawValue,
                secured: verdicts.secured(port.record)
                    ?? (connection.portEncryptionStatus == Keychain.encryptionUp),
                link: configured ?? nil,
                deviceSCI: Self.deviceSCI(id),
                customerSCI: Self.customerSCI(id)
            )
        }
    }
}
