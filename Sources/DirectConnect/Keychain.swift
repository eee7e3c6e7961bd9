import DirectConnectModel
import Foundation
import Storage

/// The pure rules of a target's keychain and port state over time; no I/O.
package enum Keychain {
    /// The service keeps at most this many keys associating or associated on one target.
    package static let capacity = 3

    package enum KeyState: String, Sendable {
        case associating
        case associated
        case disassociating
    }

    /// The state of a key at `now`, or `nil` once a disassociation has completed.
    package static func state(of key: KeyRecord, at now: Date) -> KeyState? {
        if let expiry = key.expiresAt, now >= expiry { return nil }
        if let gone = key.disassociatedAt {
            return now >= gone ? nil : .disassociating
        }
        return now >= key.associatedAt ? .associated : .associating
    }

    /// The keys still visible at `now`, oldest first.
    package static func visible(_ keys: [KeyRecord], at now: Date) -> [KeyRecord] {
        keys.filter { state(of: $0, at: now) != nil }
    }

    /// Keys that count towards the capacity: associating or associated.
    package static func active(_ keys: [KeyRecord], at now: Date) -> [KeyRecord] {
        keys.filter { isActive($0, at: now) }
    }

    /// How many keys count towards the capacity (`active`, without making the array).
    package static func activeCount(_ keys: [KeyRecord], at now: Date) -> Int {
        keys.reduce(0) { $0 + (isActive($1, at: now) ? 1 : 0) }
    }

    private static func isActive(_ key: KeyRecord, at now: Date) -> Bool {
        switch state(of: key, at: now) {
        case .associating, .associated: true
        case .disassociating, nil: false
        }
    }

    package static let encryptionUp = "Encryption Up"
    package static let encryptionDown = "Encryption Down"

    /// `Encryption Up` while the port is up, the mode encrypts and MKA is secured: as `secured` says when the
    /// protocol runs on the port (SPEC 12), else (the `auto` customer) once a key is associated.
    package static func portEncryptionStatus(
        mode: EncryptionMode,
        keys: [KeyRecord],
        portDown: Bool = false,
        secured: Bool? = nil,
        at now: Date
    ) -> String {
        let agreed = secured ?? keys.contains { state(of: $0, at: now) == .associated }
        return !portDown && mode != .noEncrypt && agreed ? encryptionUp : encryptionDown
    }

    /// The encryption mode in force at `now`: removing the last key of a must_encrypt target sets it to
    /// should_encrypt, also when the key goes because its secret's deletion completed.
    package static func effectiveMode(_ mode: EncryptionMode, keys: [KeyRecord], at now: Date) -> EncryptionMode {
        guard mode == .mustEncrypt, !keys.isEmpty, visible(keys, at: now).isEmpty,
            keys.contains(where: { $0.expiresAt.map { now >= $0 } ?? false })
        else { return mode }
        return .shouldEncrypt
    }

    /// A port's keys and the mode in force at `now`: its LAG's when it is a member of one, else its own.
    package static func keysAndMode(
        of port: ConnectionRecord,
        lag: LagRecord?,
        at now: Date
    ) -> (keys: [KeyRecord], mode: EncryptionMode) {
        let keys = lag?.keys ?? port.keys
        return (keys, effectiveMode(lag?.port.encryptionMode ?? port.port.encryptionMode, keys: keys, at: now))
    }

    /// A port's state: what it reports while it settles, then `available`, or `down` while the operator holds it
    /// down.
    package enum PortState: String, Sendable {
        case requested
        case pending
        case available
        case down
    }

    /// The port's state at `now`; `down` once settled while `portDown` (`POST /_dxlocal/simulate`).
    package static func portState(_ state: SettlingState, portDown: Bool = false, at now: Date) -> PortState {
        guard now < state.settlesAt else { return portDown ? .down : .available }
        switch state.transitional {
        case .requested: return .requested
        case .pending: return .pending
        }
    }

    /// A LAG's state at `now`: its own settling state, then `down` while fewer of its members work than its minimum
    /// links (the API reference: below them the LAG is not operational): members deleted, held down by the operator
    /// or `must_encrypt` without MKA (`encryptionDown`, SPEC 12) do not work, while one still settling counts (our
    /// choice: so the LAG, and what it carries, change with events, not as members settle). Once a member is held down
    /// or lacks MKA, `down` as well while fewer of them are up than the minimum links, at least one (our choice: a LAG
    /// none of whose members was ever down, such as one emptied by Terraform's `aws_dx_lag`, which deletes the
    /// connection it was made with, keeps the state it had).
    package static func lagState(
        _ state: SettlingState,
        members: [ConnectionRecord],
        minimumLinks: Int,
        encryptionDown: Set<String> = [],
        at now: Date
    ) -> PortState {
        let own = portState(state, at: now)
        guard own == .available else { return own }
        let working = members.count { $0.portDownAt == nil && !encryptionDown.contains($0.id) }
        if working < minimumLinks { return .down }
        guard members.contains(where: { $0.portDownAt != nil || encryptionDown.contains($0.id) }) else { return own }
        let up = members.count {
            !encryptionDown.contains($0.id)
                && portState($0.state, portDown: $0.portDownAt != nil, at: now) == .available
        }
        return up < max(minimumLinks, 1) ? .down : .available
    }

    /// Whether a LAG is down for its members' carriers (what its interfaces and hosted connections follow).
    package static func isDown(_ lag: LagRecord, members: [ConnectionRecord], at now: Date) -> Bool {
        lagState(lag.state, members: members, minimumLinks: lag.minimumLinks, at: now) == .down
    }

    /// A connection's state once MKA had its say (SPEC 12): a `must_encrypt` port that is not secured is `down`.
    /// Where the `auto` customer stands in (`secured` is `nil`) the port is never down for MKA, also in
    /// `must_encrypt` with no key associated yet (our choice: SPEC 12 keeps today's behaviour for `auto`, and
    /// Terraform's `aws_dx_connection` waits for `available` after it sets the mode, and the key association is a
    /// resource of its own, made once the connection exists).
    package static func connectionState(
        _ state: ConnectionState?,
        mode: EncryptionMode,
        secured: Bool?
    ) -> ConnectionState? {
        guard state == .available, mode == .mustEncrypt, secured == false else { return state }
        return .down
    }

    /// Whether two CKNs or CAKs are the same but for case, as `lowercased()` compares them: byte by byte for ASCII
    /// (key material is hex), without the two lowercased copies for every key of every association.
    package static func sameKeyMaterial(_ first: String, _ second: String) -> Bool {
        let (a, b) = (first.utf8, second.utf8)
        guard a.count == b.count else { return first.lowercased() == second.lowercased() }
        for (x, y) in zip(a, b) where x != y {
            guard x < 0x80, y < 0x80 else { return first.lowercased() == second.lowercased() }
            guard x | 0x20 == y | 0x20, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(x | 0x20) else { return false }
        }
        return true
    }

    /// 64 hexadecimal characters, either case.
    package static func isValidKeyMaterial(_ value: String) -> Bool {
        value.utf8.count == 64
            && value.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
            }
    }
}
