import AWSJSONProtocol
import AWSSigV4
import DXDispatch
import DirectConnect
import DirectConnectModel
import Foundation
import Hummingbird
import MKA
import NIOCore
import ServiceKit
import Storage

/// SPEC 12's part of the operator's interface: a port's customer router, and what its two ends say.
extension OperatorRoutes {
    static let customerRouterPath = "/_dxlocal/mka/customer/{id}"
    static let mkaPortPath = "/_dxlocal/mka/{id}"
    static let mkaCapturePath = "/_dxlocal/mka/{id}/pcap"
    static let mkaPaths = [customerRouterPath, mkaPortPath, mkaCapturePath]

    /// The template of an MKA path (its metrics' operation label), or `nil` for another path.
    static func mkaTemplate(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[1] == "_dxlocal", parts[2] == "mka" else { return nil }
        switch (parts.count, parts[3]) {
        case (5, "customer"): return customerRouterPath
        case (4, _): return mkaPortPath
        case (5, _) where parts[4] == "pcap": return mkaCapturePath
        default: return nil
        }
    }

    static func addMKA(
        to router: Router<BasicRequestContext>,
        directConnect: DirectConnectService,
        verifier: SigV4Verifier?,
        clock: any ServiceClock
    ) {
        let customer = RouterPath("/_dxlocal/mka/customer/:id")
        router.put(customer) { request, context -> Response in
            let body = try await operatorBody(request, verifier: verifier)
            let id = try context.parameters.require("id")
            let given = try AWSJSONCoding.decode(MKACustomerConfiguration.self, from: body.readableBytesView)
            let configured = try await directConnect.configureCustomerRouter(
                id,
                keys: given.keys?.map { ($0.ckn, $0.cak) },
                keyServerPriority: given.keyServerPriority,
                cipherSuites: given.cipherSuites
            )
            return reply(view(configured.record, in: configured.scope))
        }
        router.get(customer) { request, context -> Response in
            _ = try await operatorBody(request, verifier: verifier)
            let found = try await directConnect.customerRouter(try context.parameters.require("id"))
            return reply(view(found.record, in: found.scope))
        }
        router.delete(customer) { request, context -> Response in
            _ = try await operatorBody(request, verifier: verifier)
            let cleared = try await directConnect.clearCustomerRouter(try context.parameters.require("id"))
            return reply(view(cleared.record, in: cleared.scope))
        }
        router.get(RouterPath("/_dxlocal/mka/:id")) { request, context -> Response in
            _ = try await operatorBody(request, verifier: verifier)
            let observation = try await directConnect.observeMKA(try context.parameters.require("id"))
            return reply(view(observation))
        }
        router.get(RouterPath("/_dxlocal/mka/:id/pcap")) { request, context -> Response in
            _ = try await operatorBody(request, verifier: verifier)
            let observation = try await directConnect.observeMKA(try context.parameters.require("id"))
            // Our choice: a port with no exchange (its customer `auto` or `none`) answers a capture of no frame.
            let frames = observation.link?.sent.map { (at: $0.at, frame: $0.frame) } ?? []
            return Response(
                status: .ok,
                headers: [.contentType: "application/vnd.tcpdump.pcap"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: PacketCapture.file(frames)))
            )
        }
    }

    static func reply(_ value: some AWSJSONValue) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(OperationReply(value)))
    }

    static func view(_ record: MKACustomerRecord, in scope: Scope) -> MKACustomerView {
        MKACustomerView(
            connectionId: record.id,
            ownerAccount: scope.account,
            region: scope.region,
            ckns: record.ckns,
            keyServerPriority: record.keyServerPriority,
            cipherSuites: record.cipherSuites,
            configuredAt: ISO8601Timestamp.string(from: record.configuredAt)
        )
    }

    static func view(_ observation: MKAObservation) -> MKAPortView {
        let connection = observation.connection
        func end(_ side: MKALink.Side, sci: MKPDU.SCI) -> MKAEndView {
            let participants = observation.link?.participants(side) ?? []
            return MKAEndView(
                sci: sci.text,
                keyInUse: observation.link?.inUse(side).map { MKAKeys.hex($0.configuration.ckn) },
                silent: observation.link.map { $0.silent.contains(side) },
                participants: participants.map(view)
            )
        }
        return MKAPortView(
            connectionId: connection.connectionId,
            ownerAccount: connection.ownerAccount,
            region: connection.region,
            at: ISO8601Timestamp.string(from: observation.at),
            customerRouter: observation.customerRouter,
            secured: observation.secured,
            portEncryptionStatus: connection.portEncryptionStatus,
            connectionState: connection.connectionState?.rawValue,
            device: end(.device, sci: observation.deviceSCI),
            customer: observation.customerRouter == "none" ? nil : end(.customer, sci: observation.customerSCI)
        )
    }

    static func view(_ participant: Participant) -> MKAParticipantView {
        MKAParticipantView(
            ckn: MKAKeys.hex(participant.configuration.ckn),
            memberIdentifier: MKAKeys.hex(participant.memberIdentifier),
            messageNumber: Int(participant.messageNumber),
            keyServerPriority: Int(participant.configuration.keyServerPriority),
            isKeyServer: participant.isKeyServer,
            keyServer: participant.keyServer?.text,
            livePeers: participant.livePeers.map { MKAKeys.hex($0.memberIdentifier) },
            potentialPeers: participant.potentialPeers.map { MKAKeys.hex($0.memberIdentifier) },
            keyNumber: participant.latestKey.map { Int($0.identifier.keyNumber) },
            cipherSuite: participant.latestKey?.cipherSuite.name,
            securedSince: participant.securedSince.map(ISO8601Timestamp.string(from:))
        )
    }
}
