import AWSJSONProtocol
import DXDispatch
import DirectConnect
import Foundation
import ServiceKit
import Storage

/// `GET /_dxlocal/state` and `PUT /_dxlocal/state` (SPEC 11): everything the server holds as one versioned JSON
/// document, and that document loaded again. Records travel as the stores keep them, so secret values stay sealed
/// under the master key (`masterKeyIds` names the keys they need); fault rules travel with them. An import reads
/// and checks the whole document first (its version, every record by its kind's reader, every sealed value opened
/// under its key, every fault rule, every record as one the service could have stored where the document puts it
/// (`ImportRules`), every ID that names one resource everywhere found in one scope only, of the document and, in a
/// merge, of the server, every record another names (`ImportRules.references`) in the document or, in a merge, on
/// the server, and in a merge every record of the server that names one of the document still able to) and then
/// writes it in one transaction: a document it refuses changes nothing.
struct StateTransfer: Sendable {
    /// The version of the documents this build writes and reads.
    static let version = 1

    enum Mode: String, CaseIterable {
        /// Every record and rule of the server is replaced by the document's.
        case replace
        /// The document's records are saved over those of the same ID; its rules are added.
        case merge
    }

    let store: any Store
    let faults: FaultRules
    let sealer: SecretSealer
    let table: OperationTable
    /// The clock the records' instants were taken on: a document carries how far it was moved ahead.
    let clockOffset: ClockOffset

    func export(at now: Date) async throws -> StateDocument {
        let records = try await store.transaction(.read) { transaction in
            var records: [StateRecord] = []
            var keyIds: Set<String> = []
            for kind in StoredKinds.all {
                try await Self.export(kind, from: transaction, into: &records, keyIds: &keyIds)
            }
            return (records, keyIds)
        }
        return StateDocument(
            version: Self.version,
            dxlocalVersion: DXServer.version,
            exportedAt: now,
            masterKeyIds: records.1.sorted(),
            records: records.0,
            faults: faults.all,
            clockOffsetSeconds: clockOffset.clock.offsetSeconds > 0 ? clockOffset.clock.offsetSeconds : nil
        )
    }

    private static func export<R: StoredRecord>(
        _ kind: R.Type,
        from transaction: any StoreTransaction,
        into records: inout [StateRecord],
        keyIds: inout Set<String>
    ) async throws {
        try await transaction.visitEvery(kind) { scoped in
            keyIds.formUnion(SealedValue.all(in: scoped.record).map(\.keyId))
            records.append(
                StateRecord(
                    kind: R.recordKind.name,
                    account: scoped.scope.account,
                    region: scoped.scope.region,
                    record: RawJSON(bytes: AWSJSONWriter.bytes(scoped.record))
                )
            )
            return true
        }
    }

    /// Loads `document`, answering how many records it holds.
    func load(_ document: StateDocument, mode: Mode) async throws -> Int {
        guard let version = document.version else { throw AWSError.serialization("Member version is missing") }
        guard version == Self.version else {
            throw OperatorRoutes.invalid(
                "This server reads state documents of version \(Self.version), not \(version)"
            )
        }
        guard let given = document.records else { throw AWSError.serialization("Member records is missing") }
        var loaded: [LoadedRecord] = []
        loaded.reserveCapacity(given.count)
        // Every record by kind, scope and ID (`key`), for the references.
        var positions: [String: any StoredRecord] = [:]
        // Kind and ID of every record whose ID names one resource everywhere, with its scope and index.
        var everywhere: [String: (scope: Scope, index: Int)] = [:]
        for (index, record) in given.enumerated() {
            let checked = try check(record, at: index)
            let key = Self.key(checked.kindName, checked.scope, checked.id)
            guard positions.updateValue(checked.record, forKey: key) == nil else {
                throw OperatorRoutes.invalid("Record \(index) has the ID of an earlier record of its kind and scope")
            }
            if ImportRules.isUniqueEverywhere(checked.kindName) {
                let key = "\(checked.kindName) \(checked.id)"
                if let earlier = everywhere[key] {
                    throw Self.elsewhere(index, checked.id, Self.place(earlier.scope), "record \(earlier.index)")
                }
                everywhere[key] = (checked.scope, index)
            }
            loaded.append(checked)
        }
        let rules = try FaultRules.normalized(document.faults ?? [], dialect: .dxlocal, table: table)
        let clockOffsetSeconds = try Self.checkedClockOffset(document.clockOffsetSeconds)
        let records = loaded
        let unique = everywhere
        let held = positions
        let clockOffset = clockOffset
        // The document's instants were taken on its clock, which this one joins below: its rules read them there.
        let now = Date().addingTimeInterval(max(clockOffset.clock.offsetSeconds, clockOffsetSeconds))
        do {
            let offset = try await store.transaction(.write) { transaction in
                if mode == .merge { try await Self.refuseIDsHeldElsewhere(unique, in: transaction) }
                try await Self.refuseDanglingReferences(records, held, merging: mode == .merge, in: transaction)
                try await Self.refuseVlanClashes(records, merging: mode == .merge, at: now, in: transaction)
                if mode == .replace {
                    _ = try await transaction.deleteEveryRecord(of: StoredKinds.all, accounts: nil)
                }
                for record in records { try await record.save(transaction, mode == .merge) }
                // The document's instants were taken on its clock: this one moves at least as far (never back).
                return try await clockOffset.save({ max($0, clockOffsetSeconds) }, in: transaction)
            }
            clockOffset.clock.advance(toAtLeast: offset)
        } catch let error as StoreError where error.code == .conflict {
            throw OperatorRoutes.invalid(
                "The document conflicts with what the server holds (a secret's name is unique in its account and region)"
            )
        }
        switch mode {
        case .replace: faults.replace(with: rules)
        case .merge: faults.append(rules)
        }
        return records.count
    }

    /// A document's clock offset, as `POST /_dxlocal/clock` could have made it: none is 0.
    static func checkedClockOffset(_ seconds: Double?) throws -> TimeInterval {
        guard let seconds else { return 0 }
        guard seconds.isFinite, seconds >= 0, Date().timeIntervalSince1970 + seconds < DXServer.latestClockTime else {
            throw OperatorRoutes.invalid(
                "Member clockOffsetSeconds must be at least 0 and keep the clock before the year 9999"
            )
        }
        return seconds
    }

    /// A merge may not bring an ID that names a resource of another account or region on this server.
    private static func refuseIDsHeldElsewhere(
        _ unique: [String: (scope: Scope, index: Int)],
        in transaction: any StoreTransaction
    ) async throws {
        // Only the kinds the document brings are read.
        let brought = Set(unique.keys.map { $0.prefix { $0 != " " } })
        for kind in StoredKinds.all where brought.contains(Substring(kind.recordKind.name)) {
            try await refuseIDsHeldElsewhere(kind, unique, in: transaction)
        }
    }

    private static func refuseIDsHeldElsewhere<R: StoredRecord>(
        _ kind: R.Type,
        _ unique: [String: (scope: Scope, index: Int)],
        in transaction: any StoreTransaction
    ) async throws {
        var clash: (index: Int, id: String, held: Scope)?
        try await transaction.visitEvery(kind) { scoped in
            guard let given = unique["\(R.recordKind.name) \(scoped.record.recordID)"], given.scope != scoped.scope
            else { return true }
            clash = (given.index, scoped.record.recordID, scoped.scope)
            return false
        }
        if let clash { throw elsewhere(clash.index, clash.id, place(clash.held), "this server") }
    }

    private static func key(_ kind: String, _ scope: Scope, _ id: String) -> String {
        "\(kind) \(scope.account) \(scope.region) \(id)"
    }

    /// Every record another record of the document names must be in the document or, in a merge, on the server
    /// (unless the document replaces it there).
    private static func refuseDanglingReferences(
        _ records: [LoadedRecord],
        _ held: [String: any StoredRecord],
        merging: Bool,
        in transaction: any StoreTransaction
    ) async throws {
        for (index, loaded) in records.enumerated() {
            for reference in ImportRules.references(of: loaded.record, in: loaded.scope) {
                guard try await !resolves(reference, held, merging: merging, in: transaction) else { continue }
                let holder = merging ? "neither the document nor this server holds" : "the document does not hold"
                throw OperatorRoutes.invalid(
                    "Record \(index): its \(reference.member) \"\(Identifiers.quoted(reference.id))\" names "
                        + "\(reference.described) of \(place(reference.scope)), which \(holder)"
                )
            }
            guard merging else { continue }
            // What the server keeps that names this record must still find what it names in the document's.
            for referrer in try await ImportRules.storedReferrers(
                of: loaded.record,
                in: loaded.scope,
                from: transaction
            )
            where held[key(type(of: referrer).recordKind.name, loaded.scope, referrer.recordID)] == nil {
                for reference in ImportRules.references(of: referrer, in: loaded.scope)
                where reference.id == loaded.id && reference.kinds.contains(loaded.kindName)
                    && !reference.accepts(loaded.record)
                {
                    throw OperatorRoutes.invalid(
                        "Record \(index): this server's \(type(of: referrer).recordKind.name) "
                            + "\"\(Identifiers.quoted(referrer.recordID))\" names \"\(Identifiers.quoted(loaded.id))\" as "
                            + "\(reference.described), which the document's record is not"
                    )
                }
            }
        }
    }

    /// The interfaces of the document, with (in a merge) those the server keeps on the same carriers, may not hold
    /// one VLAN twice on a connection, LAG or interconnect.
    private static func refuseVlanClashes(
        _ records: [LoadedRecord],
        merging: Bool,
        at now: Date,
        in transaction: any StoreTransaction
    ) async throws {
        var carriers: [String: [VirtualInterfaceRecord]] = [:]
        var brought: Set<String> = []
        for loaded in records {
            guard let interface = loaded.record as? VirtualInterfaceRecord else { continue }
            carriers[key("carrier", loaded.scope, interface.connectionId), default: []].append(interface)
            brought.insert(key(loaded.kindName, loaded.scope, interface.id))
        }
        for loaded in records {
            guard let interface = loaded.record as? VirtualInterfaceRecord else { continue }
            let carrier = key("carrier", loaded.scope, interface.connectionId)
            guard var interfaces = carriers.removeValue(forKey: carrier) else { continue }
            if merging {
                interfaces += try await transaction.records(
                    VirtualInterfaceRecord.self,
                    in: loaded.scope,
                    matching: RecordMatch(.first, interface.connectionId),
                    page: .all
                )
                .filter { !brought.contains(key(loaded.kindName, loaded.scope, $0.id)) }
            }
            if let (first, second) = ImportRules.vlanClash(among: interfaces, at: now) {
                throw OperatorRoutes.invalid(
                    "Virtual interfaces \"\(Identifiers.quoted(first.id))\" and \"\(Identifiers.quoted(second.id))\" "
                        + "both hold VLAN \(first.vlan) on \"\(Identifiers.quoted(interface.connectionId))\" of "
                        + "\(place(loaded.scope)), as no request could have left them"
                )
            }
        }
    }

    private static func resolves(
        _ reference: ImportRules.Reference,
        _ held: [String: any StoredRecord],
        merging: Bool,
        in transaction: any StoreTransaction
    ) async throws -> Bool {
        for kindName in reference.kinds {
            if let record = held[key(kindName, reference.scope, reference.id)] { return reference.accepts(record) }
        }
        guard merging else { return false }
        for kind in StoredKinds.all where reference.kinds.contains(kind.recordKind.name) {
            if let record = try await stored(kind, reference.id, reference.scope, in: transaction) {
                return reference.accepts(record)
            }
        }
        return false
    }

    private static func stored<R: StoredRecord>(
        _ kind: R.Type,
        _ id: String,
        _ scope: Scope,
        in transaction: any StoreTransaction
    ) async throws -> (any StoredRecord)? {
        try await transaction.record(kind, id: id, in: scope)
    }

    private static func elsewhere(_ index: Int, _ id: String, _ place: String, _ holder: String) -> AWSError {
        OperatorRoutes.invalid(
            "Record \(index): \(Identifiers.quoted(id)) names a resource of \(place) in \(holder) already: an ID names "
                + "one resource in every account and region"
        )
    }

    private static func place(_ scope: Scope) -> String {
        scope.region == Scope.globalRegion
            ? "account \(scope.account)" : "account \(scope.account), region \(scope.region)"
    }

    /// A record of the document, read by its kind's reader, with its scope.
    struct LoadedRecord: Sendable {
        var kindName: String
        var id: String
        var scope: Scope
        var record: any StoredRecord
        /// Saves the record; in a merge, over the server's record of the same ID as `ImportRules.merged` says.
        var save: @Sendable (any StoreTransaction, _ merging: Bool) async throws -> Void
    }

    private func check(_ record: StateRecord, at index: Int) throws -> LoadedRecord {
        func refuse(_ message: String) -> AWSError { OperatorRoutes.invalid("Record \(index): \(message)") }
        guard let kindName = record.kind, let account = record.account, let region = record.region,
            let document = record.record
        else { throw refuse("kind, account, region and record are all required") }
        guard let kind = StoredKinds.all.first(where: { $0.recordKind.name == kindName }) else {
            throw refuse(
                "kind must be one of \(StoredKinds.all.map { $0.recordKind.name }.joined(separator: ", ")), "
                    + "not \(Identifiers.quoted(kindName))"
            )
        }
        guard CallerResolver.isAccountID(account) else { throw refuse("account must be a 12-digit account ID") }
        guard region == Scope.globalRegion || FaultRules.isRegionName(region) else {
            throw refuse("region must name a region, or be empty for an account's global scope")
        }
        return try Self.loaded(
            kind,
            document,
            scope: Scope(account: account, region: region),
            sealer: sealer,
            at: index
        )
    }

    private static func loaded<R: StoredRecord>(
        _ kind: R.Type,
        _ document: RawJSON,
        scope: Scope,
        sealer: SecretSealer,
        at index: Int
    ) throws -> LoadedRecord {
        let refuse = { (message: String) in OperatorRoutes.invalid("Record \(index): \(message)") }
        let read = document.bytes.withUnsafeBufferPointer { AWSJSONReader.read(R.self, from: $0) }
        guard let read else { throw refuse("the \(R.recordKind.name) document cannot be read") }
        // Every sealed value (a secret's, a BGP auth key, a customer router's history) must open here, or a later
        // read of it would fail: under a key the server has, and whole.
        for value in SealedValue.all(in: read) {
            guard sealer.knows(keyId: value.keyId) else {
                throw refuse("a value is sealed under master key \(value.keyId), which this server lacks")
            }
            guard (try? sealer.open(value.sealed, keyId: value.keyId, context: value.context)) != nil else {
                throw refuse("a value sealed under master key \(value.keyId) does not open: it was changed or moved")
            }
        }
        if let problem = ImportRules.problem(with: read, in: scope) { throw refuse(problem) }
        return LoadedRecord(kindName: R.recordKind.name, id: read.recordID, scope: scope, record: read) {
            transaction,
            merging in
            var record = read
            if merging, let held = try await transaction.record(R.self, id: read.recordID, in: scope),
                let merged = ImportRules.merged(read, over: held) as? R
            {
                record = merged
            }
            try await transaction.save(record, in: scope)
        }
    }
}
