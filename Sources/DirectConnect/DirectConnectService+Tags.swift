import AWSJSONProtocol
import DirectConnectModel
import Foundation
import ServiceKit
import Storage

/// Tags on connections, LAGs and Direct Connect gateways, addressed by ARN.
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

    /// `existing` with `updates` set over it, keeping first-set order.
    static func merged(_ existing: [TagRecord], with updates: [TagRecord], resource: String) throws -> [TagRecord] {
        let result = existing.setting(updates)
        guard result.count <= tagLimit else {
            throw AWSError.tooManyTags("\(resource) would carry \(result.count) tags; at most \(tagLimit) are allowed")
        }
        return result
    }

    private enum TaggedResource {
        case connection(ConnectionRecord)
        case lag(LagRecord)
        case gateway(GatewayRecord)
    }

    private func taggedResource(
        _ arn: String,
        in transaction: any StoreTransaction,
        _ scope: Scope
    ) async throws -> TaggedResource {
        if let id = Identifiers.gatewayId(fromARN: arn, account: scope.account) {
            return .gateway(try await liveGateway(id, in: transaction, .global(account: scope.account), at: clock.now))
        }
        guard let id = Identifiers.resourceId(fromARN: arn, in: scope) else {
            throw AWSError.client("Could not find a Direct Connect resource with ARN \(arn)")
        }
        if id.hasPrefix(Identifiers.lagPrefix) {
            guard let lag = try await transaction.lag(id: id, in: scope) else { throw AWSError.notFound(id) }
            return .lag(lag)
        }
        guard let connection = try await transaction.connection(id: id, in: scope) else {
            throw AWSError.notFound(id)
        }
        return .connection(connection)
    }

    package func tagResource(_ input: TagResourceRequest, in scope: Scope) async throws -> TagResourceResponse {
        try Self.requireMembers(input)
        let arn = try Self.required(input.resourceArn, "resourceArn")
        let updates = try Self.validatedTags(input.tags)
        return try await transaction(.write) { transaction in
            switch try await taggedResource(arn, in: transaction, scope) {
            case .connection(var record):
                record.tags = try Self.merged(record.tags, with: updates, resource: record.id)
                try await transaction.save(record, in: scope)
            case .lag(var record):
                record.tags = try Self.merged(record.tags, with: updates, resource: record.id)
                try await transaction.save(record, in: scope)
            case .gateway(var record):
                record.tags = try Self.merged(record.tags, with: updates, resource: record.id)
                try await transaction.save(record, in: .global(account: scope.account))
            }
            return TagResourceResponse()
        }
    }

    package func untagResource(_ input: UntagResourceRequest, in scope: Scope) async throws -> UntagResourceResponse {
        try Self.requireMembers(input)
        let arn = try Self.required(input.resourceArn, "resourceArn")
        let keys = Set(input.tagKeys ?? [])
        return try await transaction(.write) { transaction in
            switch try await taggedResource(arn, in: transaction, scope) {
            case .connection(var record):
                record.tags.removeAll { keys.contains($0.key) }
                try await transaction.save(record, in: scope)
            case .lag(var record):
                record.tags.removeAll { keys.contains($0.key) }
                try await transaction.save(record, in: scope)
            case .gateway(var record):
                record.tags.removeAll { keys.contains($0.key) }
                try await transaction.save(record, in: .global(account: scope.account))
            }
            return UntagResourceResponse()
        }
    }

    package func describeTags(_ input: DescribeTagsRequest, in scope: Scope) async throws -> DescribeTagsResponse {
        try Self.requireMembers(input)
        let arns = input.resourceArns ?? []
        return try await transaction(.read) { transaction in
            var result: [ResourceTag] = []
            for arn in arns {
                let tags: [TagRecord]
                switch try await taggedResource(arn, in: transaction, scope) {
                case .connection(let record): tags = record.tags
                case .lag(let record): tags = record.tags
                case .gateway(let record): tags = record.tags
                }
                result.append(ResourceTag(resourceArn: arn, tags: Self.tags(tags)))
            }
            return DescribeTagsResponse(resourceTags: result)
        }
    }
}
