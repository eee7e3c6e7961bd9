import AWSJSONProtocol
import DirectConnectModel
import Foundation
import SecretsManager
import ServiceKit
import Storage

/// A keychain's owner: a connection or interconnect, or a LAG.
enum KeyTarget: Sendable {
    case port(ConnectionRecord)
    case lag(LagRecord)

    var id: String {
        switch self {
        case .port(let record): record.id
        case .lag(let record): record.id
        }
    }

    var port: PortRecord {
        switch self {
        case .port(let record): record.port
        case .lag(let record): record.port
        }
    }

    var state: SettlingState {
        get {
            switch self {
            case .port(let record): record.state
            case .lag(let record): record.state
            }
        }
        set {
            switch self {
            case .port(var record):
                record.state = newValue
                self = .port(record)
            case .lag(var record):
                record.state = newValue
                self = .lag(record)
            }
        }
    }

    var keys: [KeyRecord] {
        get {
            switch self {
            case .port(let record): record.keys
            case .lag(let record): record.keys
            }
        }
        set {
            switch self {
            case .port(var record):
                record.keys = newValue
                self = .port(record)
            case .lag(var record):
                record.keys = newValue
                self = .lag(record)
            }
        }
    }

    var encryptionMode: EncryptionMode {
        get { port.encryptionMode }
        set {
            switch self {
            case .port(var record):
                record.port.encryptionMode = newValue
                self = .port(record)
            case .lag(var record):
                record.port.encryptionMode = newValue
                self = .lag(record)
            }
        }
    }

    /// Applies what time has done: keys gone by now are dropped, and a must_encrypt target whose last key went
    /// with its deleted secret falls back to should_encrypt.
    mutating func settle(at now: Date) {
        // Each set only when it changes: setting copies the record into the case again.
        let mode = Keychain.effectiveMode(encryptionMode, keys: keys, at: now)
        if mode != encryptionMode { encryptionMode = mode }
        if keys.contains(where: { Keychain.state(of: $0, at: now) == nil }) { keys = Keychain.visible(keys, at: now) }
    }

    func save(in transaction: any StoreTransaction, _ scope: Scope) async throws {
        switch self {
        case .port(let record): try await transaction.save(record, in: scope)
        case .lag(let record): try await transaction.save(record, in: scope)
        }
    }
}

extension DirectConnectService {
    /// The connection, interconnect or LAG an ID names in the scope (SPEC 4, check 4).
    func keyTarget(_ id: String, in transaction: any StoreTransaction, _ scope: Scope) async throws -> KeyTarget {
        if id.hasPrefix(Identifiers.lagPrefix) {
            guard let lag = try await transaction.lag(id: id, in: scope) else { throw AWSError.notFound(id) }
            return .lag(lag)
        }
        guard let record = try await transaction.connection(id: id, in: scope) else { throw AWSError.notFound(id) }
        return .port(record)
    }

    /// The checks of SPEC section 4 that need no store, in order: 1 to 3.
    static func validateAssociation(_ input: AssociateMacSecKeyRequest) throws -> (id: String, pair: (String, String)?)
    {
        guard let id = input.connectionId, !id.isEmpty else {
            throw AWSError.client("Missing required parameter connectionId: it must not be empty")
        }
        switch (input.secretARN, input.ckn, input.cak) {
        case (nil, nil, nil):
            throw AWSError.client("Provide either secretARN or both ckn and cak to associate a MACsec key with \(id)")
        case (.some, .some, _), (.some, _, .some):
            throw AWSError.client("Provide either secretARN or a ckn and cak pair for \(id), not both")
        case (nil, .some, nil):
            throw AWSError.client("A ckn was given without its cak for \(id): provide both")
        case (nil, nil, .some):
            throw AWSError.client("A cak was given without its ckn for \(id): provide both")
        case (.some(let arn), nil, nil):
            guard !arn.isEmpty else { throw AWSError.client("secretARN for \(id) must not be empty") }
            return (id, nil)
        case (nil, .some(let ckn), .some(let cak)):
            guard Keychain.isValidKeyMaterial(ckn) else {
                throw AWSError.client("The ckn for \(id) must be exactly 64 hexadecimal characters (0-9, a-f, A-F)")
            }
            // The message describes the rule, never the value: the CAK is a secret.
            guard Keychain.isValidKeyMaterial(cak) else {
                throw AWSError.client("The cak for \(id) must be exactly 64 hexadecimal characters (0-9, a-f, A-F)")
            }
            return (id, (ckn, cak))
        }
    }

    package func associateMacSecKey(
        _ input: AssociateMacSecKeyRequest,
        in scope: Scope
    ) async throws
        -> AssociateMacSecKeyResponse
    {
        let (id, pair) = try Self.validateAssociation(input)
        let now = clock.now
        // Sealed here, beside the write loop rather than on its thread; stored only if the CKN is new.
        let given = try pair.map { ckn, cak in
            let new = try secrets.newSecret(
                named: Identifiers.macSecSecretName(ckn: ckn, region: scope.region),
                holding: MacSecSecretValue(ckn: ckn, cak: cak).json,
                in: scope,
                now: now
            )
            return (ckn: ckn, cak: cak, new: new)
        }
        return try await transaction(.write) { transaction in
            var target = try await keyTarget(id, in: transaction, scope)
            guard target.port.macSecCapable else {
                throw AWSError.client("\(id) is not MACsec capable: request MACsec when it is created")
            }
            // SPEC 4, check 6. A port held down (the operator's `port-down`), or a LAG down for its members held down,
            // is not available; one that reads `down` only because MKA has not secured it in `must_encrypt` takes a
            // key, as a key is what brings it back.
            let state: Keychain.PortState
            switch target {
            case .port(let record):
                state = Keychain.portState(record.state, portDown: record.portDownAt != nil, at: now)
            case .lag(let lag):
                let members = try await transaction.members(ofLag: lag.id, in: scope)
                state = Keychain.lagState(lag.state, members: members, minimumLinks: lag.minimumLinks, at: now)
            }
            guard state == .available else {
                throw AWSError.client(
                    "The port is not in available state to associate the key for account \(scope.account) (\(id))"
                )
            }
            if case .port(let record) = target, let lagId = record.lagId {
                throw AWSError.client(
                    "Connection \(id) is a member of lag \(lagId): associate MACsec keys with the lag"
                )
            }
            target.settle(at: now)
            guard Keychain.activeCount(target.keys, at: now) < Keychain.capacity else {
                throw AWSError.client(
                    "\(id) already has \(Keychain.capacity) MACsec keys associated; disassociate one first"
                )
            }
            let secret: SecretRecord
            if let (ckn, cak, new) = given {
                try Self.checkCknIsNew(ckn, on: target)
                secret = try await managedSecret(new, ckn: ckn, cak: cak, for: id, in: transaction, scope, now: now)
            } else {
                secret = try await reusableSecret(input.secretARN ?? "", for: id, in: transaction, scope, now: now)
                try Self.checkCknIsNew(secret.ckn ?? "", on: target)
            }
            target.keys.append(
                KeyRecord(
                    secretARN: secret.arn,
                    ckn: secret.ckn ?? "",
                    startOn: now,
                    associatedAt: settled(from: now, .key)
                )
            )
            target.state = SettlingState(transitional: .pending, settlesAt: settled(from: now, .key))
            try await target.save(in: transaction, scope)
            // SPEC 4: the new key is answered `associating`, whatever the settle time, as Create answers
            // `requested`; the next read shows where time has taken it.
            var keys = Self.macSecKeys(target.keys, at: now)
            if let new = keys.indices.last { keys[new].state = Keychain.KeyState.associating.rawValue }
            return AssociateMacSecKeyResponse(connectionId: id, macSecKeys: keys)
        }
    }

    /// SPEC 4, check 9: the CKN is not already on the target, compared case-insensitively.
    static func checkCknIsNew(_ ckn: String, on target: KeyTarget) throws {
        if target.keys.contains(where: { Keychain.sameKeyMaterial($0.ckn, ckn) }) {
            throw AWSError.client("The ckn \(ckn) is already associated with \(target.id)")
        }
    }

    /// The managed secret for a CKN/CAK pair: the existing one when it holds the same pair, else `new`.
    func managedSecret(
        _ new: ManagedSecrets.NewSecret,
        ckn: String,
        cak: String,
        for id: String,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        now: Date
    ) async throws -> SecretRecord {
        do {
            return try await secrets.secret(
                new,
                label: ckn,
                sameValue: { stored in
                    let pair = try? JSONDecoder().decode(MacSecSecretValue.self, from: Data(stored.utf8))
                    return pair.map { Keychain.sameKeyMaterial($0.cak, cak) } ?? false
                },
                in: transaction,
                scope,
                now: now
            )
        } catch let refusal as ManagedSecrets.Refusal {
            switch refusal {
            case .scheduledForDeletion(let arn):
                throw AWSError.client(
                    "The secret \(arn) for ckn \(ckn) is scheduled for deletion; restore it to use it on \(id)"
                )
            case .holdsAnotherValue, .notFound, .notManaged:
                throw AWSError.client(
                    "The ckn \(ckn) is already stored with a different cak; associate it with \(id) by secretARN"
                )
            }
        }
    }

    /// SPEC 4, check 10: a secret Direct Connect created, in this scope, not scheduled for deletion.
    func reusableSecret(
        _ arn: String,
        for id: String,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        now: Date
    ) async throws -> SecretRecord {
        do {
            return try await secrets.existing(arn: arn, in: transaction, scope, now: now)
        } catch let refusal as ManagedSecrets.Refusal {
            switch refusal {
            case .notFound, .holdsAnotherValue:
                throw AWSError.client(
                    "The secret \(Identifiers.quoted(arn)) was not found in account \(scope.account), region \(scope.region), for \(id)"
                )
            case .notManaged:
                throw AWSError.client(
                    "The secret \(arn) was not created by Direct Connect and cannot be associated with \(id)"
                )
            case .scheduledForDeletion:
                throw AWSError.client(
                    "The secret \(arn) is scheduled for deletion and cannot be associated with \(id)"
                )
            }
        }
    }

    package func disassociateMacSecKey(
        _ input: DisassociateMacSecKeyRequest,
        in scope: Scope
    ) async throws
        -> DisassociateMacSecKeyResponse
    {
        try Self.requireMembers(input)
        let id = try Self.required(input.connectionId, "connectionId")
        let arn = try Self.required(input.secretARN, "secretARN")
        let now = clock.now
        return try await transaction(.write) { transaction in
            var target = try await keyTarget(id, in: transaction, scope)
            if case .port(let record) = target, let lagId = record.lagId {
                throw AWSError.client("Connection \(id) is a member of lag \(lagId): its MACsec keys are the lag's")
            }
            target.settle(at: now)
            guard
                let index = target.keys.firstIndex(where: {
                    $0.secretARN == arn && Keychain.state(of: $0, at: now) != .disassociating
                })
            else {
                throw AWSError.client("The secret \(arn) is not associated with \(id)")
            }
            var removed = target.keys[index]
            removed.disassociationRequestedAt = now
            removed.disassociatedAt = settled(from: now, .key)
            if settleTimes.seconds(.key) > 0 {
                target.keys[index] = removed
            } else {
                target.keys.remove(at: index)
            }
            if Keychain.activeCount(target.keys, at: now) == 0 && target.encryptionMode == .mustEncrypt {
                target.encryptionMode = .shouldEncrypt
            }
            target.state = SettlingState(transitional: .pending, settlesAt: settled(from: now, .key))
            try await target.save(in: transaction, scope)
            return DisassociateMacSecKeyResponse(
                connectionId: id,
                macSecKeys: [
                    MacSecKey(
                        secretARN: removed.secretARN,
                        ckn: removed.ckn,
                        state: Keychain.KeyState.disassociating.rawValue,
                        startOn: ISO8601Timestamp.string(from: removed.startOn)
                    )
                ]
            )
        }
    }
}
