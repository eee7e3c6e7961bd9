import AWSJSONProtocol
import DirectConnectModel
import Foundation
import ServiceKit
import Storage

/// Direct Connect gateways (SPEC 7, reference §3.3): global, one account's, seen from every region of it, kept in
/// the account's global scope.
extension DirectConnectService {
    /// The most gateways one account may hold (reference §3.3).
    package static let gatewayLimit = 200
    /// The ASN a gateway gets when the request names none.
    package static let defaultGatewayASN = 64512

    package func createDirectConnectGateway(
        _ input: CreateDirectConnectGatewayRequest,
        in scope: Scope
    ) async throws -> CreateDirectConnectGatewayResult {
        try Self.requireMembers(input)
        let name = try Self.required(input.directConnectGatewayName, "directConnectGatewayName")
        let asn = input.amazonSideAsn ?? Self.defaultGatewayASN
        guard AmazonSideASN.isValid(asn) else {
            throw AWSError.client(
                "amazonSideAsn \(asn) is not valid: it must be in 64512-65534 or 4200000000-4294967294"
            )
        }
        // The operation's model names neither tag exception: a bad tag list is the client error. (our choice)
        let tags: [TagRecord]
        do {
            tags = try Self.validatedTags(input.tags)
        } catch let error as AWSError {
            throw AWSError.client(error.message)
        }
        let now = clock.now
        let global = Scope.global(account: scope.account)
        let availableAt = settled(from: now, .gateway)
        return try await transaction(.write) { transaction in
            let held = try await liveGateways(in: transaction, global, at: now, purging: true)
            guard held.count < Self.gatewayLimit else {
                throw AWSError.client(
                    "Account \(scope.account) already has \(Self.gatewayLimit) Direct Connect gateways, the most "
                        + "an account may have"
                )
            }
            let id = try await transaction.unusedID(for: GatewayRecord.self, in: global, RandomUUID.make)
            let record = GatewayRecord(
                id: id,
                name: name,
                amazonSideAsn: asn,
                createdAt: now,
                availableAt: availableAt,
                tags: tags
            )
            try await transaction.save(record, in: global)
            return CreateDirectConnectGatewayResult(directConnectGateway: Self.gateway(record, in: scope, at: now))
        }
    }

    package func describeDirectConnectGateways(
        _ input: DescribeDirectConnectGatewaysRequest,
        in scope: Scope
    ) async throws -> DescribeDirectConnectGatewaysResult {
        let now = clock.now
        let global = Scope.global(account: scope.account)
        if let id = input.directConnectGatewayId {
            // An unknown ID lists nothing: Terraform's waiters read an empty list as gone (reference §3.3).
            return try await transaction(.read) { transaction in
                let record = try await liveGatewayIfAny(id, in: transaction, global, at: now)
                return DescribeDirectConnectGatewaysResult(
                    directConnectGateways: record.map { [Self.gateway($0, in: scope, at: now)] } ?? []
                )
            }
        }
        let list = "directConnectGateways"
        let request = try pages.request(list: list, maxResults: input.maxResults, nextToken: input.nextToken, in: scope)
        return try await transaction(.read) { transaction in
            // At most 200 live gateways an account: the page is cut from all of them, those gone left out.
            let live = try await liveGateways(in: transaction, global, at: now)
            let (page, token) = try pages.page(of: live, request: request, list: list, in: scope, id: \.id)
            return DescribeDirectConnectGatewaysResult(
                directConnectGateways: page.map { Self.gateway($0, in: scope, at: now) },
                nextToken: token
            )
        }
    }

    package func updateDirectConnectGateway(
        _ input: UpdateDirectConnectGatewayRequest,
        in scope: Scope
    ) async throws -> UpdateDirectConnectGatewayResponse {
        try Self.requireMembers(input)
        let id = try Self.required(input.directConnectGatewayId, "directConnectGatewayId")
        let name = try Self.required(input.newDirectConnectGatewayName, "newDirectConnectGatewayName")
        let now = clock.now
        let global = Scope.global(account: scope.account)
        return try await transaction(.write) { transaction in
            var record = try await liveGateway(id, in: transaction, global, at: now)
            // A gateway being deleted keeps its name. (our choice)
            guard !Self.isBeingDeleted(record, at: now) else {
                throw AWSError.client("Direct Connect gateway \(id) is being deleted and cannot be renamed")
            }
            record.name = name
            try await transaction.save(record, in: global)
            return UpdateDirectConnectGatewayResponse(directConnectGateway: Self.gateway(record, in: scope, at: now))
        }
    }

    /// Answers the gateway `deleting`; it is gone once the settle time has passed. A second deletion while it is
    /// `deleting` answers the same. (our choice) With associations left (those not yet gone), the deletion is
    /// accepted as the service accepts it (SPEC 8, reference §2): `deleting`, then `available` again with
    /// `stateChangeError` once the settle time has passed.
    package func deleteDirectConnectGateway(
        _ input: DeleteDirectConnectGatewayRequest,
        in scope: Scope
    ) async throws -> DeleteDirectConnectGatewayResult {
        try Self.requireMembers(input)
        let id = try Self.required(input.directConnectGatewayId, "directConnectGatewayId")
        let now = clock.now
        let global = Scope.global(account: scope.account)
        return try await transaction(.write) { transaction in
            var record = try await liveGateway(id, in: transaction, global, at: now)
            // The service needs no attached virtual interfaces (reference §3.3); refused outright. (our choice)
            if record.deletedAt == nil,
                let attached = try await liveAttachments(to: id, in: transaction, global, at: now).first
            {
                throw AWSError.client(
                    "Direct Connect Gateway \(id) cannot be deleted while virtual interface \(attached.id) is attached"
                )
            }
            let associations = try await liveAssociations(in: transaction, global, at: now)
                .filter { $0.directConnectGatewayId == id }
            if record.deletedAt == nil, let left = associations.first {
                if !Self.isRefusingDeletion(record, at: now) {
                    record.deletionRevertsAt = settled(from: now, .gateway)
                    record.stateChangeError =
                        "Direct Connect Gateway \(id) cannot be deleted while it has associations (\(left.id))"
                    try await transaction.save(record, in: global)
                }
            } else if record.deletedAt == nil {
                let deletedAt = settled(from: now, .gateway)
                record.deletedAt = deletedAt
                if deletedAt > now {
                    try await transaction.save(record, in: global)
                } else {
                    try await transaction.delete(GatewayRecord.self, id: id, in: global)
                }
            }
            return DeleteDirectConnectGatewayResult(
                directConnectGateway: Self.gateway(record, in: scope, at: now, state: .deleting)
            )
        }
    }

    /// The virtual interfaces attached to a gateway, or the gateway a virtual interface is attached to, in
    /// interface ID order. It needs one or both; a gateway must be one of the caller's account, a virtual interface one
    /// the caller sees (our choice: reference §4's wording when it is not).
    package func describeDirectConnectGatewayAttachments(
        _ input: DescribeDirectConnectGatewayAttachmentsRequest,
        in scope: Scope
    ) async throws -> DescribeDirectConnectGatewayAttachmentsResult {
        let gatewayId = Self.given(input.directConnectGatewayId)
        let interfaceId = Self.given(input.virtualInterfaceId)
        guard gatewayId != nil || interfaceId != nil else {
            throw AWSError.client("You must specify a Direct Connect gateway, a virtual interface, or both")
        }
        let list = "directConnectGatewayAttachments"
        let request = try pages.request(list: list, maxResults: input.maxResults, nextToken: input.nextToken, in: scope)
        let now = clock.now
        return try await transaction(.read) { transaction in
            var found: [AttachmentRecord] = []
            if let interfaceId {
                guard let held = try await visibleInterface(interfaceId, in: transaction, scope, at: now) else {
                    throw Self.interfaceNotFound(interfaceId)
                }
                if let owner = held.record.directConnectGatewayOwner,
                    let attachment = try await transaction.record(
                        AttachmentRecord.self,
                        id: interfaceId,
                        in: .global(account: owner)
                    ),
                    Self.attachmentState(attachment, at: now) != nil
                {
                    found = [attachment]
                }
            }
            if let gatewayId {
                let global = Scope.global(account: scope.account)
                _ = try await liveGateway(gatewayId, in: transaction, global, at: now)
                if interfaceId == nil {
                    found = try await liveAttachments(to: gatewayId, in: transaction, global, at: now)
                } else {
                    found.removeAll { $0.directConnectGatewayId != gatewayId }
                }
            }
            let (page, token) = try pages.page(of: found, request: request, list: list, in: scope, id: \.id)
            return DescribeDirectConnectGatewayAttachmentsResult(
                directConnectGatewayAttachments: page.map { attachment in
                    DirectConnectGatewayAttachment(
                        directConnectGatewayId: attachment.directConnectGatewayId,
                        virtualInterfaceId: attachment.id,
                        virtualInterfaceRegion: attachment.interfaceRegion,
                        virtualInterfaceOwnerAccount: attachment.interfaceOwnerAccount,
                        attachmentState: Self.attachmentState(attachment, at: now),
                        attachmentType: DirectConnectGatewayAttachmentType(rawValue: attachment.attachmentType)
                    )
                },
                nextToken: token
            )
        }
    }

    /// The account's gateways not yet gone, in ID order; with `purging` (a write transaction) the gone ones are
    /// removed from the store.
    func liveGateways(
        in transaction: any StoreTransaction,
        _ global: Scope,
        at now: Date,
        purging: Bool = false
    ) async throws -> [GatewayRecord] {
        try await transaction.live(GatewayRecord.self, in: global, purging: purging) {
            Self.gatewayState($0, at: now) != nil
        }
    }

    /// A gateway of the account that is not gone, or the error Terraform matches (`does not exist`); the wording
    /// around it is reference §4's suggestion.
    func liveGateway(
        _ id: String,
        in transaction: any StoreTransaction,
        _ global: Scope,
        at now: Date
    ) async throws -> GatewayRecord {
        guard let record = try await liveGatewayIfAny(id, in: transaction, global, at: now) else {
            throw AWSError.client("Direct Connect Gateway \(Identifiers.quoted(id)) does not exist")
        }
        return record
    }

    /// A gateway of the account that is not gone, if there is one.
    func liveGatewayIfAny(
        _ id: String,
        in transaction: any StoreTransaction,
        _ global: Scope,
        at now: Date
    ) async throws -> GatewayRecord? {
        guard let record = try await transaction.record(GatewayRecord.self, id: id, in: global),
            Self.gatewayState(record, at: now) != nil
        else { return nil }
        return record
    }

    /// The state a gateway reads at `now`, or `nil` once its deletion has completed.
    package static func gatewayState(_ record: GatewayRecord, at now: Date) -> DirectConnectGatewayState? {
        if let deletedAt = record.deletedAt { return now < deletedAt ? .deleting : nil }
        if isRefusingDeletion(record, at: now) { return .deleting }
        return now < record.availableAt ? .pending : .available
    }

    /// Whether a deletion refused for the associations left still reads `deleting` at `now`.
    static func isRefusingDeletion(_ record: GatewayRecord, at now: Date) -> Bool {
        record.deletionRevertsAt.map { now < $0 } ?? false
    }

    /// Whether the gateway reads `deleting` at `now` (deleted, or a deletion not yet refused): it takes no new
    /// interface, association or name meanwhile.
    static func isBeingDeleted(_ record: GatewayRecord, at now: Date) -> Bool {
        record.deletedAt != nil || isRefusingDeletion(record, at: now)
    }

    static func gateway(
        _ record: GatewayRecord,
        in scope: Scope,
        at now: Date,
        state: DirectConnectGatewayState? = nil
    ) -> DirectConnectGateway {
        DirectConnectGateway(
            directConnectGatewayId: record.id,
            directConnectGatewayName: record.name,
            amazonSideAsn: record.amazonSideAsn,
            ownerAccount: scope.account,
            directConnectGatewayState: state ?? gatewayState(record, at: now) ?? .deleted,
            stateChangeError: record.deletionRevertsAt.map { $0 <= now } == true ? record.stateChangeError : nil,
            tags: tags(record.tags)
        )
    }
}
