import AWSClientRuntime
import DirectConnect
import DirectConnectClient
import Foundation
import ServiceKit
import Synchronization
import Testing

/// `rotateMacSecKey`: the new key in, the old keys out, or the keychain exactly as it was.
@Suite struct RotationTests {
    static func associate(_ client: DirectConnectClient, _ id: String) async throws -> String {
        let pair = MacSecKeyPair.generate()
        let keys = try await client.associateMacSecKey(.init(connectionId: id, ckn: pair.ckn, cak: pair.cak))
        return try #require(keys.macSecKeys?.last?.secretARN)
    }

    static let noWait = MacSecRotation.Options(timeout: .seconds(30), pollInterval: .seconds(1), sleep: { _ in })

    @Test func rotationLeavesOnlyTheNewKey() async throws {
        try await LiveServer.with { server in
            let client = server.directConnect()
            let id = try await server.macSecConnection(client)
            let first = try await Self.associate(client, id)
            let second = try await Self.associate(client, id)
            let pair = MacSecKeyPair.generate()
            let report = try await client.rotateMacSecKey(connectionId: id, to: .pair(pair), options: Self.noWait)
            #expect(report.associated.ckn == pair.ckn)
            #expect(report.disassociated.map(\.secretARN) == [first, second])
            #expect(report.macSecKeys.map(\.secretARN) == [report.associated.secretARN])
            #expect(try await server.keychain(client, id) == [report.associated.secretARN])
        }
    }

    @Test func rotationWaitsForTheKeyToSettleAndReportsProgress() async throws {
        try await LiveServer.with(settleTime: 30) { server in
            let client = server.directConnect()
            let id = try await server.macSecConnection(client)
            server.clock.advance(by: 31)
            let old = try await Self.associate(client, id)
            server.clock.advance(by: 31)
            let lines = Mutex<[String]>([])
            let options = MacSecRotation.Options(
                timeout: .seconds(300),
                pollInterval: .seconds(10),
                progress: { line in lines.withLock { $0.append(line) } },
                sleep: { duration in server.clock.advance(by: Double(duration.components.seconds)) }
            )
            let report = try await client.rotateMacSecKey(connectionId: id, to: .pair(.generate()), options: options)
            #expect(report.disassociated.map(\.secretARN) == [old])
            let progress = lines.withLock { $0 }
            #expect(progress.count >= 3)
            #expect(progress.first?.contains("associating") == true)
            server.clock.advance(by: 31)
            #expect(try await server.keychain(client, id) == [report.associated.secretARN])
        }
    }

    @Test func aFullKeychainIsRefusedBeforeAnythingChanges() async throws {
        try await LiveServer.with { server in
            let client = server.directConnect()
            let id = try await server.macSecConnection(client)
            var keys: [String] = []
            for _ in 0..<3 { keys.append(try await Self.associate(client, id)) }
            let failure = await #expect(throws: MacSecRotation.Failure.self) {
                try await client.rotateMacSecKey(connectionId: id, to: .pair(.generate()), options: Self.noWait)
            }
            #expect(failure?.reason == .keychainFull)
            #expect(failure?.keychainRestored == true)
            #expect(try await server.keychain(client, id) == keys)
        }
    }

    @Test func aTargetThatCannotTakeAKeyIsRefused() async throws {
        try await LiveServer.with(settleTime: 30) { server in
            let client = server.directConnect()
            let pending = try await server.macSecConnection(client)
            let notReady = await #expect(throws: MacSecRotation.Failure.self) {
                try await client.rotateMacSecKey(connectionId: pending, to: .pair(.generate()), options: Self.noWait)
            }
            #expect(notReady?.reason == .targetNotReady)
            #expect(notReady?.message.contains("not available") == true)

            let plain = try await client.createConnection(
                .init(location: "EqDC2", bandwidth: "10Gbps", connectionName: "plain")
            )
            server.clock.advance(by: 31)
            let incapable = await #expect(throws: MacSecRotation.Failure.self) {
                try await client.rotateMacSecKey(
                    connectionId: plain.connectionId ?? "",
                    to: .pair(.generate()),
                    options: Self.noWait
                )
            }
            #expect(incapable?.message.contains("not MACsec capable") == true)

            let missing = await #expect(throws: MacSecRotation.Failure.self) {
                try await client.rotateMacSecKey(
                    connectionId: "dxcon-zzzzzzzz",
                    to: .pair(.generate()),
                    options: Self.noWait
                )
            }
            #expect(missing?.underlying?.code == "DirectConnectClientException")
            #expect(missing?.keychainRestored == true)
        }
    }

    @Test func aFailureHalfWayPutsTheKeychainBackInOrder() async throws {
        try await LiveServer.with { server in
            let setup = server.directConnect()
            let id = try await server.macSecConnection(setup)
            let before = [try await Self.associate(setup, id), try await Self.associate(setup, id)]
            // The first old key comes off, the second refuses: the rotation is half done.
            let failing = server.directConnect(
                transport: FailingTransport { operation, number in
                    operation == "DisassociateMacSecKey" && number == 2
                }
            )
            let failure = await #expect(throws: MacSecRotation.Failure.self) {
                try await failing.rotateMacSecKey(connectionId: id, to: .pair(.generate()), options: Self.noWait)
            }
            #expect(failure?.reason == .serviceError)
            #expect(failure?.underlying?.message == "injected failure")
            #expect(failure?.keychainRestored == true)
            #expect(try await server.keychain(setup, id) == before)
        }
    }

    @Test func aFailureHalfWayPutsAMustEncryptModeBackToo() async throws {
        try await LiveServer.with { server in
            let setup = server.directConnect()
            let id = try await server.macSecConnection(setup)
            let before = [try await Self.associate(setup, id), try await Self.associate(setup, id)]
            _ = try await setup.updateConnection(.init(connectionId: id, encryptionMode: "must_encrypt"))
            // Putting the keychain back empties it on the way, which takes the mode down to should_encrypt (SPEC 5).
            let failing = server.directConnect(
                transport: FailingTransport { operation, number in
                    operation == "DisassociateMacSecKey" && number == 2
                }
            )
            let failure = await #expect(throws: MacSecRotation.Failure.self) {
                try await failing.rotateMacSecKey(connectionId: id, to: .pair(.generate()), options: Self.noWait)
            }
            #expect(failure?.keychainRestored == true)
            #expect(try await server.keychain(setup, id) == before)
            let mode = try await setup.describeConnections(.init(connectionId: id)).connections?.first?.encryptionMode
            #expect(mode == "must_encrypt")
        }
    }

    @Test(.timeLimit(.minutes(1))) func aWaitEndsAtItsTimeoutHoweverShortThePauses() async throws {
        try await LiveServer.with(settleTime: 30) { server in
            let client = server.directConnect()
            let id = try await server.macSecConnection(client)
            server.clock.advance(by: 31)
            // Pauses that add up to nothing: the clock still ends the wait.
            let failure = await #expect(throws: MacSecRotation.Failure.self) {
                try await client.rotateMacSecKey(
                    connectionId: id,
                    to: .pair(.generate()),
                    options: MacSecRotation.Options(timeout: .milliseconds(300), pollInterval: .zero, sleep: { _ in })
                )
            }
            #expect(failure?.reason == .timedOut)
        }
    }

    @Test func aTimeoutTakesTheNewKeyOffAgain() async throws {
        try await LiveServer.with(settleTime: 30) { server in
            let client = server.directConnect()
            let id = try await server.macSecConnection(client)
            server.clock.advance(by: 31)
            let old = try await Self.associate(client, id)
            server.clock.advance(by: 31)
            // The clock never moves while waiting, so the new key stays associating.
            let failure = await #expect(throws: MacSecRotation.Failure.self) {
                try await client.rotateMacSecKey(
                    connectionId: id,
                    to: .pair(.generate()),
                    options: MacSecRotation.Options(timeout: .seconds(20), pollInterval: .seconds(5), sleep: { _ in })
                )
            }
            #expect(failure?.reason == .timedOut)
            #expect(failure?.keychainRestored == true)
            // Taking the new key off leaves the target pending; once it settles the keychain is as before.
            server.clock.advance(by: 31)
            #expect(try await server.keychain(client, id) == [old])
        }
    }

    @Test func aLagRotatesLikeAConnection() async throws {
        try await LiveServer.with { server in
            let client = server.directConnect()
            let lag = try await client.createLag(
                .init(
                    numberOfConnections: 2,
                    location: "EqDC2",
                    connectionsBandwidth: "10Gbps",
                    lagName: "lag",
                    requestMACSec: true
                )
            )
            let lagId = try #require(lag.lagId)
            let old = try await Self.associate(client, lagId)
            let report = try await client.rotateMacSecKey(
                connectionId: lagId,
                to: .pair(.generate()),
                options: Self.noWait
            )
            #expect(report.disassociated.map(\.secretARN) == [old])
            let described = try await client.describeLags(.init(lagId: lagId)).lags?.first
            #expect(described?.macSecKeys?.compactMap(\.secretARN) == [report.associated.secretARN])
            let member = try #require(described?.connections?.first?.connectionId)
            let refused = await #expect(throws: MacSecRotation.Failure.self) {
                try await client.rotateMacSecKey(connectionId: member, to: .pair(.generate()), options: Self.noWait)
            }
            #expect(refused?.message.contains("member of \(lagId)") == true)
        }
    }
}
