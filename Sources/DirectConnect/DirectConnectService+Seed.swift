import AWSJSONProtocol
import Storage

extension DirectConnectService {
    /// Gives a connection or LAG that a seed (`dxlocal serve --seed`) has just created the ID the seed fixes; a LAG's
    /// members follow it. Requests never choose IDs; a seed may, so that tests and Terraform `import` blocks can name
    /// a resource in advance (our choice). The ID must be of the service's own form and the same kind (`dxcon-`,
    /// `dxlag-` and eight lower-case letters or digits), and no connection or LAG of any account and region may
    /// have it. It runs before the seed associates the port's keys.
    package func assignSeededId(_ fixed: String, to id: String, in scope: Scope) async throws {
        guard id.hasPrefix(Identifiers.connectionPrefix) || id.hasPrefix(Identifiers.lagPrefix) else {
            return try await assignSeededGatewayId(fixed, to: id, account: scope.account)
        }
        let isLag = id.hasPrefix(Identifiers.lagPrefix)
        let prefix = isLag ? Identifiers.lagPrefix : Identifiers.connectionPrefix
        guard Identifiers.isWellFormed(fixed), fixed.hasPrefix(prefix) else {
            throw AWSError.client(
                "\(Identifiers.quoted(fixed)) is not a \(isLag ? "LAG" : "connection") ID: \(prefix) and eight lower-case letters or digits"
            )
        }
        guard fixed != id else { return }
        try await transaction(.write) { transaction in
            let asConnection = try await transaction.recordInAnyScope(ConnectionRecord.self, id: fixed)
            let asLag = try await transaction.recordInAnyScope(LagRecord.self, id: fixed)
            if asConnection != nil || asLag != nil {
                throw AWSError.client("A connection or LAG with the ID \(fixed) already exists")
            }
            if isLag {
                guard var lag = try await transaction.lag(id: id, in: scope) else { throw AWSError.notFound(id) }
                for var member in try await transaction.members(ofLag: id, in: scope) {
                    member.lagId = fixed
                    // CreateLag names its new members after the LAG ("Requested Connection 1 for Lag dxlag-…").
                    member.name = member.name.replacing(id, with: fixed)
                    try await transaction.save(member, in: scope)
                }
                try await transaction.deleteLag(id: id, in: scope)
                lag.id = fixed
                try await transaction.save(lag, in: scope)
            } else {
                guard var connection = try await transaction.connection(id: id, in: scope) else {
                    throw AWSError.notFound(id)
                }
                try await transaction.deleteConnection(id: id, in: scope)
                connection.id = fixed
                try await transaction.save(connection, in: scope)
            }
        }
    }

    /// The same for a Direct Connect gateway: a lower-case UUID (as the service's own), no gateway of any account
    /// holding it.
    private func assignSeededGatewayId(_ fixed: String, to id: String, account: String) async throws {
        guard Identifiers.isLowercaseUUID(fixed) else {
            throw AWSError.client(
                "\(Identifiers.quoted(fixed)) is not a Direct Connect gateway ID: a lower-case UUID"
            )
        }
        guard fixed != id else { return }
        let global = Scope.global(account: account)
        try await transaction(.write) { transaction in
            guard try await transaction.recordInAnyScope(GatewayRecord.self, id: fixed) == nil else {
                throw AWSError.client("A Direct Connect gateway with the ID \(fixed) already exists")
            }
            guard var gateway = try await transaction.record(GatewayRecord.self, id: id, in: global) else {
                throw AWSError.client("Direct Connect Gateway \(id) does not exist")
            }
            try await transaction.delete(GatewayRecord.self, id: id, in: global)
            gateway.id = fixed
            try await transaction.save(gateway, in: global)
        }
    }
}
