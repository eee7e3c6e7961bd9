import AWSJSONProtocol
import ServiceKit
import Storage

/// Direct Connect's pages: `maxResults` and `nextToken` as its list operations take them.
extension PageToken {
    /// The most items one page holds when the caller asks for more.
    package static let maximumPageSize = 100

    /// The page a Direct Connect request asks for. One extra item is fetched to learn whether another page follows.
    func request(list: String, maxResults: Int?, nextToken: String?, in scope: Scope) throws -> PageRequest {
        var after: String?
        if let nextToken {
            guard let cursor = cursor(from: nextToken, listing: list, in: scope), cursor.count == 1,
                let id = cursor.first, !id.isEmpty
            else { throw AWSError.client("The nextToken is not valid") }
            after = id
        }
        guard let maxResults else { return PageRequest(after: after, limit: nil) }
        guard maxResults >= 1 else {
            throw AWSError.client("maxResults must be at least 1")
        }
        return PageRequest(after: after, limit: min(maxResults, Self.maximumPageSize) + 1)
    }

    /// The page a request asks for, cut from every item of a listing held in memory (in ID order), and the token
    /// that resumes after it.
    func page<T>(
        of items: [T],
        request: PageRequest,
        list: String,
        in scope: Scope,
        id: (T) -> String
    ) throws -> ([T], String?) {
        var items = items
        if let after = request.after { items.removeAll { id($0) <= after } }
        if let limit = request.limit { items = Array(items.prefix(limit)) }
        return try finish(items, request: request, list: list, in: scope, id: id)
    }

    /// Cuts the extra item off and makes the token that resumes after the page.
    func finish<T>(
        _ items: [T],
        request: PageRequest,
        list: String,
        in scope: Scope,
        id: (T) -> String
    ) throws -> ([T], String?) {
        guard let limit = request.limit, items.count >= limit else { return (items, nil) }
        let page = Array(items.prefix(limit - 1))
        guard let last = page.last else { return (page, nil) }
        return (page, try token(after: [id(last)], listing: list, in: scope))
    }
}
