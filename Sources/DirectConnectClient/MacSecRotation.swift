import AWSJSONProtocol

/// One-step MACsec key rotation on a connection or LAG: associate a new key, wait until it is `associated`,
/// then disassociate the keys that were there before.
///
/// The target is a dedicated connection, an interconnect (`dxcon-`) or a LAG (`dxlag-`). Its keychain is read
/// first: a target that is not MACsec-capable, not `available`, a member of a LAG, or whose keychain is full is
/// refused before anything changes. When a later step fails (including the wait timing out), the keychain is put
/// back as it was found, in the same order, and a `must_encrypt` mode that the service relaxed while the keychain
/// was empty (SPEC 5) is set again, before the error is thrown.
public struct MacSecRotation: Sendable {
    /// What the new key is.
    public enum NewKey: Sendable {
        /// A pair to associate (Direct Connect stores it in a new managed secret).
        case pair(MacSecKeyPair)
        /// A managed secret that already holds a pair.
        case secretARN(String)
    }

    /// How long to wait, and how to report progress.
    public struct Options: Sendable {
        /// How long the new key may take to become `associated`.
        public var timeout: Duration
        /// The pause between reads while waiting.
        public var pollInterval: Duration
        /// Receives one line per poll while waiting, for a progress display.
        public var progress: @Sendable (String) -> Void
        /// The pause itself; tests pass one that does not sleep.
        public var sleep: @Sendable (Duration) async throws -> Void

        public init(
            timeout: Duration = .seconds(600),
            pollInterval: Duration = .seconds(5),
            progress: @escaping @Sendable (String) -> Void = { _ in },
            sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
        ) {
            self.timeout = timeout
            self.pollInterval = pollInterval
            self.progress = progress
            self.sleep = sleep
        }
    }

    /// What a rotation did.
    public struct Report: Codable, Hashable, Sendable {
        public struct Key: Codable, Hashable, Sendable {
            public var secretARN: String
            public var ckn: String?
        }

        public var connectionId: String
        public var associated: Key
        public var disassociated: [Key]
        /// The keychain after the rotation, newest last.
        public var macSecKeys: [MacSecKey]
    }

    /// Why a rotation stopped, and whether the keychain is as it was found.
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public enum Reason: String, Hashable, Sendable {
            /// The target cannot take a key now (not capable, not available, a LAG member).
            case targetNotReady
            /// The target already holds the most keys it may.
            case keychainFull
            /// The new key did not become `associated` in time.
            case timedOut
            /// A call to the service failed; ``underlying`` says how.
            case serviceError
        }

        public var reason: Reason
        public var message: String
        /// The service error behind the failure, if any.
        public var underlying: AWSClientError?
        /// True when the keychain is as the rotation found it; false only when putting it back failed too.
        public var keychainRestored: Bool

        public var description: String {
            message + (keychainRestored ? "" : " The keychain could not be restored; check it before retrying.")
        }
    }

    let client: DirectConnectClient
    let targetId: String
    let options: Options

    /// The keys a rotation leaves in place or removes: those associating or associated.
    static func active(_ keys: [MacSecKey]) -> [MacSecKey] {
        keys.filter { $0.state == "associating" || $0.state == "associated" }
    }

    /// The keychain size the service allows.
    public static let keychainCapacity = 3

    struct Target {
        enum Kind {
            case connection
            case interconnect
            case lag
        }

        var kind: Kind
        var state: String?
        var capable: Bool
        var lagId: String?
        var keys: [MacSecKey]
        var encryptionMode: String?
    }

    func read() async throws(AWSClientError) -> Target {
        if targetId.hasPrefix("dxlag-") {
            let lags = try await client.describeLags(.init(lagId: targetId)).lags ?? []
            guard let lag = lags.first(where: { $0.lagId == targetId }) else { throw notReturned("DescribeLags") }
            return Target(
                kind: .lag,
                state: lag.lagState?.rawValue,
                capable: lag.macSecCapable == true,
                lagId: nil,
                keys: lag.macSecKeys ?? [],
                encryptionMode: lag.encryptionMode
            )
        }
        let connections: [Connection]
        do throws(AWSClientError) {
            connections = try await client.describeConnections(.init(connectionId: targetId)).connections ?? []
        } catch {
            // An interconnect's ID is a `dxcon-` too, which DescribeConnections does not know.
            guard error.kind == .service, error.code == "DirectConnectClientException",
                let interconnect = try? await readInterconnect()
            else { throw error }
            return interconnect
        }
        guard let connection = connections.first(where: { $0.connectionId == targetId }) else {
            throw notReturned("DescribeConnections")
        }
        return Target(
            kind: .connection,
            state: connection.connectionState?.rawValue,
            capable: connection.macSecCapable == true,
            lagId: connection.lagId,
            keys: connection.macSecKeys ?? [],
            encryptionMode: connection.encryptionMode
        )
    }

    private func notReturned(_ operation: String) -> AWSClientError {
        AWSClientError(
            kind: .invalidResponse,
            code: "InvalidResponse",
            message: "\(operation) did not return \(targetId)"
        )
    }

    private func readInterconnect() async throws(AWSClientError) -> Target? {
        let interconnects = try await client.describeInterconnects(.init(interconnectId: targetId)).interconnects
        guard let interconnect = interconnects?.first(where: { $0.interconnectId == targetId }) else { return nil }
        return Target(
            kind: .interconnect,
            state: interconnect.interconnectState?.rawValue,
            capable: interconnect.macSecCapable == true,
            lagId: interconnect.lagId,
            keys: interconnect.macSecKeys ?? [],
            encryptionMode: interconnect.encryptionMode
        )
    }

    func run(_ newKey: NewKey) async throws(Failure) -> Report {
        let before: Target
        do throws(AWSClientError) {
            before = try await read()
        } catch {
            throw Failure(reason: .serviceError, message: error.description, underlying: error, keychainRestored: true)
        }
        try check(before)
        let previous = Self.active(before.keys)

        let request: AssociateMacSecKeyRequest
        switch newKey {
        case .pair(let pair): request = .init(connectionId: targetId, ckn: pair.ckn, cak: pair.cak)
        case .secretARN(let arn): request = .init(connectionId: targetId, secretARN: arn)
        }
        let added: MacSecKey
        do throws(AWSClientError) {
            // The service applies an association atomically: if it fails, nothing changed.
            let response = try await client.associateMacSecKey(request)
            guard let key = response.macSecKeys?.last, key.secretARN != nil else {
                throw AWSClientError(
                    kind: .invalidResponse,
                    code: "InvalidResponse",
                    message: "AssociateMacSecKey returned no key"
                )
            }
            added = key
        } catch {
            // A `down` target passed `check` for the service to judge (SPEC 4, check 6): its refusal is the target's.
            let notReady = error.message.contains("The port is not in available state")
            throw Failure(
                reason: notReady ? .targetNotReady : .serviceError,
                message: error.description,
                underlying: error,
                keychainRestored: true
            )
        }
        let newARN = added.secretARN ?? ""

        var removed: [MacSecKey] = []
        do {
            try await waitUntilAssociated(newARN, ckn: added.ckn)
            // Disassociation has no state requirement, so the old keys come off without waiting in between.
            for key in previous {
                guard let arn = key.secretARN else { continue }
                _ = try await client.disassociateMacSecKey(.init(connectionId: targetId, secretARN: arn))
                removed.append(key)
            }
            let after = try await read()
            return Report(
                connectionId: targetId,
                associated: Report.Key(secretARN: newARN, ckn: added.ckn),
                disassociated: removed.map { Report.Key(secretARN: $0.secretARN ?? "", ckn: $0.ckn) },
                macSecKeys: Self.active(after.keys)
            )
        } catch let failure as Failure {
            throw await restored(before, after: failure)
        } catch let error as AWSClientError {
            throw await restored(
                before,
                after: Failure(
                    reason: .serviceError,
                    message: error.description,
                    underlying: error,
                    keychainRestored: false
                )
            )
        } catch {
            throw await restored(
                before,
                after: Failure(reason: .serviceError, message: "\(error)", underlying: nil, keychainRestored: false)
            )
        }
    }

    private func check(_ target: Target) throws(Failure) {
        guard target.capable else {
            throw Failure(
                reason: .targetNotReady,
                message: "\(targetId) is not MACsec capable",
                keychainRestored: true
            )
        }
        if let lagId = target.lagId {
            throw Failure(
                reason: .targetNotReady,
                message: "\(targetId) is a member of \(lagId); rotate the keys of the LAG",
                keychainRestored: true
            )
        }
        // `down` is left to the service: a `must_encrypt` port down because its router lacks the keys takes the key
        // that brings it back, one held down otherwise is refused there.
        guard target.state == "available" || target.state == "down" else {
            throw Failure(
                reason: .targetNotReady,
                message: "\(targetId) is \(target.state ?? "in an unknown state"), not available",
                keychainRestored: true
            )
        }
        let active = Self.active(target.keys).count
        guard active < Self.keychainCapacity else {
            throw Failure(
                reason: .keychainFull,
                message: "\(targetId) already holds \(active) keys (at most \(Self.keychainCapacity)); "
                    + "disassociate one before rotating",
                keychainRestored: true
            )
        }
    }

    /// Polls until the key is `associated` and the target `available` again, or the timeout passes.
    private func waitUntilAssociated(_ arn: String, ckn: String?) async throws {
        var waited = Duration.zero
        let started = ContinuousClock.now
        while true {
            let target = try await read()
            let state = target.keys.first { $0.secretARN == arn }?.state
            guard let state, state == "associating" || state == "associated" else {
                throw Failure(
                    reason: .serviceError,
                    message: "The new key \(ckn ?? arn) left \(targetId)'s keychain while waiting",
                    keychainRestored: false
                )
            }
            if state == "associated", target.state == "available" { return }
            guard !timedOut(waited, since: started) else {
                throw Failure(
                    reason: .timedOut,
                    message: "The new key \(ckn ?? arn) on \(targetId) was still \(state) after \(options.timeout)",
                    keychainRestored: false
                )
            }
            options.progress(
                "waiting for key \(ckn ?? arn) on \(targetId): \(state), target \(target.state ?? "?") "
                    + "(\(waited) of \(options.timeout))"
            )
            try await options.sleep(options.pollInterval)
            waited += options.pollInterval
        }
    }

    /// Polls until the target is `available`, within the same timeout.
    private func waitUntilAvailable() async throws {
        var waited = Duration.zero
        let started = ContinuousClock.now
        while try await read().state != "available" {
            guard !timedOut(waited, since: started) else {
                throw Failure(
                    reason: .timedOut,
                    message: "\(targetId) did not become available within \(options.timeout)",
                    keychainRestored: false
                )
            }
            try await options.sleep(options.pollInterval)
            waited += options.pollInterval
        }
    }

    /// Whether a wait is over: the pauses it asked for add up to the timeout (a test's `sleep` does not sleep), or
    /// the clock says so (however short the pauses, the timeout is a deadline).
    private func timedOut(_ waited: Duration, since started: ContinuousClock.Instant) -> Bool {
        waited >= options.timeout || started.duration(to: .now) >= options.timeout
    }

    /// Puts the keychain back to `found`'s (same keys, same order), and its `must_encrypt` mode if the service
    /// relaxed it meanwhile, and returns the failure to report.
    ///
    /// The keys that still match `original` from the front stay; every key after them is disassociated and the
    /// rest of `original` is associated again by its secret ARN, in order (a managed secret outlives its key).
    private func restored(_ found: Target, after failure: Failure) async -> Failure {
        var failure = failure
        let original = Self.active(found.keys)
        do {
            let current = Self.active(try await read().keys)
            var kept = 0
            while kept < min(current.count, original.count), current[kept].secretARN == original[kept].secretARN {
                kept += 1
            }
            for key in current[kept...] {
                guard let arn = key.secretARN else { continue }
                _ = try await client.disassociateMacSecKey(.init(connectionId: targetId, secretARN: arn))
            }
            for key in original[kept...] {
                guard let arn = key.secretARN else { continue }
                // Association needs the target available, which a removal above may have made pending.
                try await waitUntilAvailable()
                _ = try await client.associateMacSecKey(.init(connectionId: targetId, secretARN: arn))
            }
            var final = try await read()
            if found.encryptionMode == "must_encrypt", final.encryptionMode != "must_encrypt", !original.isEmpty {
                // Emptied on the way, the keychain took the mode down to should_encrypt (SPEC 5): set it again.
                switch found.kind {
                case .lag: _ = try await client.updateLag(.init(lagId: targetId, encryptionMode: "must_encrypt"))
                case .connection, .interconnect:
                    _ = try await client.updateConnection(
                        .init(connectionId: targetId, encryptionMode: "must_encrypt")
                    )
                }
                final = try await read()
            }
            failure.keychainRestored =
                Self.active(final.keys).map(\.secretARN) == original.map(\.secretARN)
                && final.encryptionMode == found.encryptionMode
        } catch {
            failure.keychainRestored = false
        }
        if failure.keychainRestored {
            failure.message += " The keychain and the encryption mode were restored as they were found."
        }
        return failure
    }
}

extension DirectConnectClient {
    /// Rotates the MACsec key of a connection or LAG (see ``MacSecRotation``).
    ///
    /// - Parameters:
    ///   - connectionId: a `dxcon-` (a connection or an interconnect) or `dxlag-` ID.
    ///   - newKey: the key to put in use: a pair whose CAK the far end's router has too (``MacSecKeyPair/generate()``
    ///     makes one), or a managed secret that holds one. (No default: a pair made here and never seen by the
    ///     caller would leave a `must_encrypt` port without a router that can use it.)
    ///   - options: how long to wait for the new key, how often to look, and where progress lines go.
    public func rotateMacSecKey(
        connectionId: String,
        to newKey: MacSecRotation.NewKey,
        options: MacSecRotation.Options = .init()
    ) async throws(MacSecRotation.Failure) -> MacSecRotation.Report {
        try await MacSecRotation(client: self, targetId: connectionId, options: options).run(newKey)
    }
}

/// The report as JSON, members in declaration order, with the writer the shapes use (`dxlocal macsec rotate` prints
/// it).
extension MacSecRotation.Report: AWSJSONValue {
    public func writeJSON(to writer: inout AWSJSONWriter) {
        writer.beginObject()
        writer.member("\"connectionId\":", connectionId)
        writer.member("\"associated\":", associated)
        writer.member("\"disassociated\":", disassociated)
        writer.member("\"macSecKeys\":", macSecKeys)
        writer.endObject()
    }
}

extension MacSecRotation.Report.Key: AWSJSONValue {
    public func writeJSON(to writer: inout AWSJSONWriter) {
        writer.beginObject()
        writer.member("\"secretARN\":", secretARN)
        writer.member("\"ckn\":", ckn)
        writer.endObject()
    }
}
