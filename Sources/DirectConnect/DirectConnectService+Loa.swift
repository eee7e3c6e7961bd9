import AWSJSONProtocol
import DirectConnectModel
import Foundation
import ServiceKit
import Storage

/// Letters of authorization (SPEC 9, reference §3.7): DescribeLoa for a connection, interconnect or LAG, and its two
/// deprecated forms; each answers a PDF and sets the connection's or interconnect's `loaIssueTime`.
extension DirectConnectService {
    /// Which ports a call takes.
    enum LoaPorts {
        case any
        case connections
        case interconnects
    }

    package func describeLoa(_ input: DescribeLoaRequest, in scope: Scope) async throws -> Loa {
        try Self.requireMembers(input)
        let id = try Self.required(input.connectionId, "connectionId")
        return try await letter(
            for: id,
            ports: .any,
            providerName: input.providerName,
            type: input.loaContentType,
            in: scope
        )
    }

    package func describeConnectionLoa(
        _ input: DescribeConnectionLoaRequest,
        in scope: Scope
    ) async throws -> DescribeConnectionLoaResponse {
        try Self.requireMembers(input)
        let id = try Self.required(input.connectionId, "connectionId")
        let loa = try await letter(
            for: id,
            ports: .connections,
            providerName: input.providerName,
            type: input.loaContentType,
            in: scope
        )
        return DescribeConnectionLoaResponse(loa: loa)
    }

    package func describeInterconnectLoa(
        _ input: DescribeInterconnectLoaRequest,
        in scope: Scope
    ) async throws -> DescribeInterconnectLoaResponse {
        try Self.requireMembers(input)
        let id = try Self.required(input.interconnectId, "interconnectId")
        let loa = try await letter(
            for: id,
            ports: .interconnects,
            providerName: input.providerName,
            type: input.loaContentType,
            in: scope
        )
        return DescribeInterconnectLoaResponse(loa: loa)
    }

    /// One write transaction: the port is the caller's, its `loaIssueTime` becomes now (a LAG has none), and the
    /// letter names it. `providerName` overrides the port's own provider. A hosted connection has no letter of its
    /// own (our choice: its partner's interconnect is the port that is cross-connected).
    func letter(
        for id: String,
        ports: LoaPorts,
        providerName: String?,
        type: LoaContentType?,
        in scope: Scope
    ) async throws -> Loa {
        if let type, type != .applicationPdf {
            throw AWSError.client(
                "loaContentType \(Identifiers.quoted(type.rawValue)) is not supported: use application/pdf"
            )
        }
        let now = clock.now
        let provider = Self.given(providerName)
        let facts: LetterOfAuthorization = try await transaction(.write) { transaction in
            if ports == .any, id.hasPrefix(Identifiers.lagPrefix) {
                guard let lag = try await transaction.lag(id: id, in: scope) else { throw AWSError.notFound(id) }
                return letter("LAG", id: id, name: lag.name, port: lag.port, provider: provider, scope, now)
            }
            guard var record = try await transaction.connection(id: id, in: scope) else {
                throw ports == .interconnects ? Self.interconnectNotFound(id) : AWSError.notFound(id)
            }
            switch (record.kind, ports) {
            case (.interconnect, .connections): throw AWSError.notFound(id)
            case (.connection, .interconnects): throw Self.interconnectNotFound(id)
            default: break
            }
            if record.hosted != nil {
                throw AWSError.client(
                    "Connection \(id) is a hosted connection: its partner holds the letter of authorization of the port"
                )
            }
            record.loaIssueTime = now
            try await transaction.save(record, in: scope)
            let kind = record.kind == .interconnect ? "Interconnect" : "Connection"
            return letter(kind, id: id, name: record.name, port: record.port, provider: provider, scope, now)
        }
        return Loa(loaContent: facts.pdf(), loaContentType: .applicationPdf)
    }

    private func letter(
        _ kind: String,
        id: String,
        name: String,
        port: PortRecord,
        provider: String?,
        _ scope: Scope,
        _ now: Date
    ) -> LetterOfAuthorization {
        LetterOfAuthorization(
            portKind: kind,
            portId: id,
            portName: name,
            account: scope.account,
            region: scope.region,
            locationCode: port.location,
            locationName: catalogue.location(port.location, in: scope.region)?.name,
            bandwidth: port.bandwidth,
            awsDevice: port.awsDeviceV2,
            providerName: provider ?? port.providerName,
            issuedAt: now
        )
    }
}
