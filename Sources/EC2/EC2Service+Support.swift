import AWSJSONProtocol
import AWSQueryProtocol
import EC2Model
import Foundation
import ServiceKit
import Storage

// Tags, filters, pages and ASNs as every EC2 operation of the slice takes them.
extension EC2Service {
    /// The most tags one resource holds (EC2's limit).
    static let tagLimit = 50

    /// The tags of `TagSpecification.N` for a new resource of `resourceType`: a specification of another type, an
    /// empty key, a key over 127 or a value over 255 characters, an `aws:` key, or a key given twice is
    /// `InvalidParameterValue` (the last, our choice: EC2 documents no answer), more than 50 `TagLimitExceeded`.
    static func tags(from specifications: [TagSpecification]?, for resourceType: String) throws -> [TagRecord] {
        var tags: [TagRecord] = []
        for specification in specifications ?? [] {
            let type = specification.resourceType?.rawValue ?? ""
            guard type == resourceType else {
                throw AWSError.invalidParameterValue(
                    "'\(type.prefix(64))' is not a valid taggable resource type for this operation; use \(resourceType)"
                )
            }
            tags += try checkedTags(specification.tags ?? [], besides: tags).map {
                TagRecord(key: $0.key, value: $0.value ?? "")
            }
        }
        try checkTagCount(tags.count)
        return tags
    }

    /// `given`, each checked as `tags(from:for:)` says; a key of `besides` given again is a duplicate too. A value
    /// left out stays `nil` (DeleteTags: the tag goes whatever its value).
    static func checkedTags(_ given: [Tag], besides earlier: [TagRecord] = []) throws -> [TagRecord] {
        var tags: [TagRecord] = []
        for tag in given {
            let key = tag.key ?? ""
            guard !key.isEmpty, key.count <= 127 else {
                throw AWSError.invalidParameterValue("A tag key must have 1 to 127 characters")
            }
            guard !key.lowercased().hasPrefix("aws:") else {
                throw AWSError.invalidParameterValue("Tag keys starting with 'aws:' are reserved for internal use")
            }
            guard (tag.value ?? "").count <= 255 else {
                throw AWSError.invalidParameterValue("The value of tag '\(key)' is longer than 255 characters")
            }
            guard !(tags + earlier).contains(where: { $0.key == key }) else {
                throw AWSError.invalidParameterValue("Duplicate tag key '\(key)' specified")
            }
            tags.append(TagRecord(key: key, value: tag.value))
        }
        return tags
    }

    /// `TagLimitExceeded` when a resource would hold more than 50 tags.
    static func checkTagCount(_ count: Int) throws {
        guard count <= tagLimit else {
            throw AWSError(
                code: "TagLimitExceeded",
                message: "The maximum number of tags for a resource (\(tagLimit)) has been exceeded",
                status: 400
            )
        }
    }

    /// A resource's tags as EC2 answers them where it leaves out an empty set (VPCs, VPN gateways, created
    /// resources).
    static func wire(_ tags: [TagRecord]) -> [Tag]? {
        tags.isEmpty ? nil : listed(tags)
    }

    /// A resource's tags as EC2 answers them where an empty set is listed too (transit gateways and their
    /// attachments as described).
    static func listed(_ tags: [TagRecord]) -> [Tag] {
        tags.map { Tag(key: $0.key, value: $0.value ?? "") }
    }

    /// A page of `items` (sorted by ID) after `nextToken`, at most `maxResults` (within `bounds` when given: the
    /// operation's in EC2's model, 5-1000 for most) long, and the token of the next page when there is one.
    func page<T>(
        _ items: [T],
        listing: String,
        maxResults: Int?,
        bounds: ClosedRange<Int> = 5...1000,
        nextToken: String?,
        in scope: Scope,
        id: (T) -> String
    ) throws -> ([T], String?) {
        var rest = items[...]
        if let nextToken {
            guard let cursor = pages.cursor(from: nextToken, listing: listing, in: scope), cursor.count == 1,
                let after = cursor.first
            else {
                throw AWSError.invalidParameterValue("Value for parameter NextToken is invalid. The token is invalid.")
            }
            rest = rest.drop { id($0) <= after }
        }
        guard let maxResults else { return (Array(rest), nil) }
        guard bounds.contains(maxResults) else {
            throw AWSError.invalidParameterValue(
                "Value ( \(maxResults) ) for parameter maxResults is invalid. Parameter must be between "
                    + "\(bounds.lowerBound) and \(bounds.upperBound)."
            )
        }
        let page = Array(rest.prefix(maxResults))
        guard rest.count > maxResults, let last = page.last else { return (page, nil) }
        return (page, try pages.token(after: [id(last)], listing: listing, in: scope))
    }
}

/// The `Filter.N` of a Describe call: each filter names one of the resource's fields and one or more values, which
/// may hold EC2's wildcards (`*`, `?`); a resource matches when every filter matches one of its values. `tag:<key>`,
/// `tag-key` and `tag-value` are known to every resource; another name the resource does not know is refused.
package struct EC2Filters {
    private var filters: [(name: String, values: [String])] = []
    /// The longest filter value taken.
    static let longestValue = 1024

    init(_ filters: [Filter]?, known: Set<String>) throws {
        for filter in filters ?? [] {
            guard let name = filter.name, !name.isEmpty else {
                throw AWSError.invalidParameterValue("A filter must have a name")
            }
            guard known.contains(name) || name.hasPrefix("tag:") || name == "tag-key" || name == "tag-value" else {
                throw AWSError.invalidParameterValue("The filter '\(name.prefix(128))' is invalid")
            }
            guard let values = filter.values, !values.isEmpty else {
                throw AWSError.invalidParameterValue("The filter '\(name)' must have at least one value")
            }
            // Matching a pattern costs its length times the value's: a bound keeps one request's work small.
            // (our choice: no resource field or tag value is longer)
            guard values.allSatisfy({ $0.count <= Self.longestValue }) else {
                throw AWSError.invalidParameterValue(
                    "A value of the filter '\(name)' is longer than \(Self.longestValue) characters"
                )
            }
            self.filters.append((name, values))
        }
    }

    /// Whether a resource whose filter fields `fields` gives, and whose tags are `tags`, matches every filter.
    func match(_ tags: [TagRecord], _ fields: (String) -> [String]) -> Bool {
        filters.allSatisfy { filter in
            let candidates: [String]
            if filter.name.hasPrefix("tag:") {
                let key = filter.name.dropFirst(4)
                candidates = tags.filter { $0.key == key }.map { $0.value ?? "" }
            } else if filter.name == "tag-key" {
                candidates = tags.map(\.key)
            } else if filter.name == "tag-value" {
                candidates = tags.map { $0.value ?? "" }
            } else {
                candidates = fields(filter.name)
            }
            return candidates.contains { candidate in filter.values.contains { Self.glob($0, matches: candidate) } }
        }
    }

    /// EC2's wildcards: `*` any run of characters, `?` one character, `\` escapes the next one.
    package static func glob(_ pattern: String, matches text: String) -> Bool {
        let p = Array(pattern)
        let t = Array(text)
        // Iterative matching with one backtrack point, linear in practice and never recursive on input.
        var (pi, ti) = (0, 0)
        var star: (p: Int, t: Int)?
        while ti < t.count {
            if pi < p.count, p[pi] == "\\", pi + 1 < p.count, p[pi + 1] == t[ti] {
                pi += 2
                ti += 1
            } else if pi < p.count, p[pi] != "*", p[pi] != "\\", p[pi] == "?" || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = (pi, ti)
                pi += 1
            } else if let last = star {
                pi = last.p + 1
                ti = last.t + 1
                star = (last.p, last.t + 1)
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
