import AWSJSONProtocol
import Foundation
import Storage

/// Opaque `nextToken`s: keyset cursors (the last ID served), so pages stay stable under concurrent writes.
package enum PageToken {
    /// The most items one page holds when the caller asks for more.
    package static let maximumPageSize = 100

    static func encode(list: String, after id: String) -> String {
        Data("v1|\(list)|\(id)".utf8).base64EncodedString()
    }

    /// The page a request asks for. One extra item is fetched to learn whether another page follows.
    static func request(list: String, maxResults: Int?, nextToken: String?) throws -> PageRequest {
        var after: String?
        if let nextToken {
            guard let data = Data(base64Encoded: nextToken),
                let text = String(data: data, encoding: .utf8)
            else { throw AWSError.client("The nextToken is not valid") }
            let parts = text.split(separator: "|", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "v1", parts[1] == list, !parts[2].isEmpty else {
                throw AWSError.client("The nextToken is not valid")
            }
            after = String(parts[2])
        }
        guard let maxResults else { return PageRequest(after: after, limit: nil) }
        guard maxResults >= 1 else {
            throw AWSError.client("maxResults must be at least 1")
        }
        return PageRequest(after: after, limit: min(maxResults, maximumPageSize) + 1)
    }

    /// Cuts the extra item off and makes the token that resumes after the page.
    static func finish<T>(_ items: [T], request: PageRequest, list: String, id: (T) -> String) -> ([T], String?) {
        guard let limit = request.limit, items.count >= limit else { return (items, nil) }
        let page = Array(items.prefix(limit - 1))
        guard let last = page.last else { return (page, nil) }
        return (page, encode(list: list, after: id(last)))
    }
}
