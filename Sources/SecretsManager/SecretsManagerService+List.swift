import AWSJSONProtocol
import Foundation
import SecretsManagerModel
import ServiceKit
import Storage

extension SecretsManagerService {
    package func listSecrets(_ input: ListSecretsRequest, in scope: Scope) async throws -> ListSecretsResponse {
        if let maxResults = input.maxResults, !(1...100).contains(maxResults) {
            throw AWSError.invalidParameter("MaxResults must be between 1 and 100.")
        }
        let sortBy = input.sortBy ?? .createdDate
        guard SortByType.allKnownValues.contains(sortBy) else {
            throw AWSError.invalidParameter(
                "SortBy must be one of created-date, last-accessed-date, last-changed-date, name."
            )
        }
        let descending = input.sortOrder == .desc
        guard input.sortOrder.map({ SortOrderType.allKnownValues.contains($0) }) ?? true else {
            throw AWSError.invalidParameter("SortOrder must be asc or desc.")
        }
        let filters = try (input.filters ?? []).map(SecretFilter.init)
        let listing = "\(sortBy.rawValue)|\(descending ? "desc" : "asc")"
        let cursor = try input.nextToken.map { token in
            guard let cursor = pages.cursor(from: token, listing: listing, in: scope), cursor.count == 2 else {
                throw AWSError.invalidNextToken
            }
            return (key: cursor[0], arn: cursor[1])
        }
        let includePlanned = input.includePlannedDeletion ?? false
        let now = clock.now
        return try await transactions.run(.read) { transaction in
            let candidates = try await transaction.secrets(in: scope, page: .all).filter { secret in
                !secret.isDeleted(at: now) && (includePlanned || secret.deletionDate == nil)
                    && filters.allSatisfy { $0.matches(secret, region: scope.region) }
            }
            var keyed = candidates.map { (key: Self.sortKey($0, by: sortBy), secret: $0) }
            keyed.sort { lhs, rhs in
                let ascending = (lhs.key, lhs.secret.arn) < (rhs.key, rhs.secret.arn)
                return descending ? !ascending : ascending
            }
            if let cursor {
                keyed.removeAll { item in
                    let after = (item.key, item.secret.arn) > (cursor.key, cursor.arn)
                    return descending ? after || (item.key, item.secret.arn) == (cursor.key, cursor.arn) : !after
                }
            }
            let limit = input.maxResults ?? keyed.count
            let page = keyed.prefix(limit)
            let token = try page.last.flatMap { last in
                keyed.count > limit
                    ? try pages.token(after: [last.key, last.secret.arn], listing: listing, in: scope) : nil
            }
            return ListSecretsResponse(
                secretList: page.map { Self.entry($0.secret) },
                nextToken: token
            )
        }
    }

    static func entry(_ secret: SecretRecord) -> SecretListEntry {
        SecretListEntry(
            arn: secret.arn,
            name: secret.name,
            description: secret.description,
            kmsKeyId: secret.kmsKeyId,
            lastChangedDate: secret.lastChangedAt,
            lastAccessedDate: secret.lastAccessedAt,
            deletedDate: secret.deletionDate,
            tags: secret.tags.map { Tag(key: $0.key, value: $0.value) },
            secretVersionsToStages: versionsToStages(secret),
            owningService: secret.owningService,
            createdDate: secret.createdAt
        )
    }

    static func sortKey(_ secret: SecretRecord, by sortBy: SortByType) -> String {
        func stamp(_ date: Date?) -> String {
            String(format: "%020.6f", date?.timeIntervalSince1970 ?? 0)
        }
        switch sortBy {
        case .name: return secret.name
        case .lastAccessedDate: return stamp(secret.lastAccessedAt)
        case .lastChangedDate: return stamp(secret.lastChangedAt)
        default: return stamp(secret.createdAt)
        }
    }
}

/// One `Filters` entry of ListSecrets: prefix matches, any value may match, `!` negates a value.
struct SecretFilter: Sendable {
    var key: FilterNameStringType
    var values: [String]

    init(_ filter: Filter) throws {
        guard let key = filter.key, FilterNameStringType.allKnownValues.contains(key) else {
            throw AWSError.invalidParameter(
                "Filter keys must be one of description, name, tag-key, tag-value, primary-region, owning-service, all."
            )
        }
        guard let values = filter.values, !values.isEmpty else {
            throw AWSError.invalidParameter("A filter needs at least one value.")
        }
        self.key = key
        self.values = values
    }

    func fields(of secret: SecretRecord, region: String) -> [String] {
        switch key {
        case .name: [secret.name]
        case .description: secret.description.map { [$0] } ?? []
        case .tagKey: secret.tags.map(\.key)
        case .tagValue: secret.tags.compactMap(\.value)
        case .owningService: secret.owningService.map { [$0] } ?? []
        case .primaryRegion: [region]
        default:
            [secret.name] + (secret.description.map { [$0] } ?? []) + secret.tags.map(\.key)
                + secret.tags.compactMap(\.value) + (secret.owningService.map { [$0] } ?? [])
        }
    }

    func matches(_ secret: SecretRecord, region: String) -> Bool {
        let fields = fields(of: secret, region: region)
        return values.contains { value in
            let negated = value.hasPrefix("!")
            return held(negated ? String(value.dropFirst()) : value, in: fields) != negated
        }
    }

    /// Whether `fields` hold `wanted` as the key matches (the model's Filter): a prefix, in letter case too, except
    /// for `description` (a prefix, any case) and `all`, which breaks the value into words and finds each at the
    /// start of a word of any field, in any case (our choice: every word must be found; a value without words
    /// finds nothing).
    private func held(_ wanted: String, in fields: [String]) -> Bool {
        switch key {
        case .description:
            let prefix = wanted.lowercased()
            return fields.contains { $0.lowercased().hasPrefix(prefix) }
        case .all:
            let words = Self.words(of: wanted)
            let fieldWords = fields.flatMap(Self.words(of:))
            return !words.isEmpty && words.allSatisfy { word in fieldWords.contains { $0.hasPrefix(word) } }
        default:
            return fields.contains { $0.hasPrefix(wanted) }
        }
    }

    /// The words of `text` (runs of letters and digits), in lower case.
    static func words(of text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }
}
