import AWSJSONProtocol
import DirectConnectModel
import Foundation
import ServiceKit
import Storage

/// Tags on connections, LAGs, virtual interfaces and Direct Connect gateways, addressed by ARN.
extension DirectConnectService {
    /// The most tags one resource may carry.
    package static let tagLimit = 50

    /// Checks a tag list of a request: well-formed keys and values, no key twice, at most 50.
    static func validatedTags(_ tags: [Tag]?) throws -> [TagRecord] {
        guard let tags else { return [] }
        var seen = Set<String>()
        var records: [TagRecord] = []
        for tag in tags {
            guard let key = tag.key, !key.isEmpty, key.count <= 128 else {
                throw AWSError.client("Every tag needs a key of 1 to 128 characters")
            }
            guard !key.lowercased().hasPrefix("aws:") else {
                throw AWSError.client("Tag key \(key) uses the reserved prefix aws:")
            }
            if let value = tag.value, value.count > 256 {
                throw AWSError.client("The value of tag \(key) is longer than 256 characters")
            }
            guard Self.isTagText(key), Self.isTagText(tag.value ?? "") else {
                throw AWSError.client(
                    "Tag \(key) may hold only letters, numbers, spaces and the characters _ . : / = + - @ in its key "
                        + "and value"
                )
            }
            guard seen.insert(key).inserted else {
                throw AWSError.duplicateTagKeys("Tag key \(key) appears more than once")
            }
            records.append(TagRecord(key: key, value: tag.value))
        }
        guard records.count <= tagLimit else {
            throw AWSError.tooManyTags("At most \(tagLimit) tags are allowed on a resource")
        }
        return records
    }

    /// Whether `text` fits the model's pattern of tag keys and values, `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`.
    package static func isTagText(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                .spaceSeparator, .lineSeparator, .paragraphSeparator, .decimalNumber, .letterNumber, .otherNumber:
                true
            default:
                "_.:/=+-@".unicodeScalars.contains(scalar)
            }
        }
    }

    /// `existing` with `updates` set over it, keeping first-set order.
    static func merged(_ existing: [TagRecord], with updates: [TagRecord], resource: String) throws -> [TagRecord] {
        let result = existing.setting(updates)
        guard result.count <= tagLimit else {
            throw AWSError.tooManyTags("\(resource) would carry \(result.count) tags; at most \(tagLimit) are allowed")
        }
        return result
    }

    /// A record that carries tags, saved back where it was found.
    private struct TaggedResource {
        var tags: [TagRecord]
        let id: String
        let save: @Sendable ([TagRecord], any StoreTransaction) async throws -> Void

        init<R: TaggableRecord>(_ record: R, in scope: Scope) {
            tags = record.tags
            id = record.recordID
            save = { tags, transaction in
                var record = record
                record.tags = tags
                try await transaction.save(record, in: scope)
            }
        }
    }

    /// The resource an ARN names: a connection, interconnect or LAG of the caller's region, a virtual interface the
    /// caller owns there, or a Direct Connect gateway of its account. With `changing`, an interface being deleted or
    /// deleted (still listed) is refused: it takes no change (SPEC 10; our choice of text).
    private func taggedResource(
        _ arn: String,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        changing: Bool
    ) async throws -> TaggedResource {
        let now = clock.now
        let arn = Identifiers.withCallerAccount(arn, account: scope.account)
        if let id = Identifiers.gatewayId(fromARN: arn, account: scope.account) {
            let global = Scope.global(account: scope.account)
            return TaggedResource(try await liveGateway(id, in: transaction, global, at: now), in: global)
        }
        if let id = Identifiers.interfaceId(fromARN: arn, in: scope) {
            let held = try await ownInterface(id, in: transaction, scope, at: now)
            if changing, held.record.deletedAt != nil {
                let state = Rules.state(held.record, at: now)?.rawValue ?? VirtualInterfaceState.deleted.rawValue
                throw AWSError.client("Virtual interface \(id) is \(state) and its tags cannot be changed")
            }
            return TaggedResource(held.record, in: held.holder)
        }
        guard let id = Identifiers.resourceId(fromARN: arn, in: scope) else {
            throw AWSError.client("Could not find a Direct Connect resource with ARN \(arn)")
        }
        if id.hasPrefix(Identifiers.lagPrefix) {
            guard let lag = try await transaction.lag(id: id, in: scope) else { throw AWSError.notFound(id) }
            return TaggedResource(lag, in: scope)
        }
        guard let connection = try await transaction.connection(id: id, in: scope) else {
            throw AWSError.notFound(id)
        }
        return TaggedResource(connection, in: scope)
    }

    package func tagResource(_ input: TagResourceRequest, in scope: Scope) async throws -> TagResourceResponse {
        try Self.requireMembers(input)
        let arn = try Self.required(input.resourceArn, "resourceArn")
        let updates = try Self.validatedTags(input.tags)
        return try await transaction(.write) { transaction in
            let resource = try await taggedResource(arn, in: transaction, scope, changing: true)
            try await resource.save(try Self.merged(resource.tags, with: updates, resource: resource.id), transaction)
            return TagResourceResponse()
        }
    }

    package func untagResource(_ input: UntagResourceRequest, in scope: Scope) async throws -> UntagResourceResponse {
        try Self.requireMembers(input)
        let arn = try Self.required(input.resourceArn, "resourceArn")
        let keys = Set(input.tagKeys ?? [])
        return try await transaction(.write) { transaction in
            let resource = try await taggedResource(arn, in: transaction, scope, changing: true)
            try await resource.save(resource.tags.filter { !keys.contains($0.key) }, transaction)
            return UntagResourceResponse()
        }
    }

    package func describeTags(_ input: DescribeTagsRequest, in scope: Scope) async throws -> DescribeTagsResponse {
        try Self.requireMembers(input)
        let arns = input.resourceArns ?? []
        return try await transaction(.read) { transaction in
            var result: [ResourceTag] = []
            for arn in arns {
                let resource = try await taggedResource(arn, in: transaction, scope, changing: false)
                result.append(ResourceTag(resourceArn: arn, tags: Self.tags(resource.tags)))
            }
            return DescribeTagsResponse(resourceTags: result)
        }
    }
}

/// A stored record that carries tags.
protocol TaggableRecord: StoredRecord {
    var tags: [TagRecord] { get set }
}

extension ConnectionRecord: TaggableRecord {}
extension LagRecord: TaggableRecord {}
extension GatewayRecord: TaggableRecord {}
extension VirtualInterfaceRecord: TaggableRecord {}
