/// The `X-Amz-Target` header of a JSON 1.1 request: `<targetPrefix>.<Operation>`.
public struct AWSTarget: Hashable, Sendable {
    public var prefix: Substring
    public var operation: Substring

    /// Splits the header at its last dot; `nil` when either side would be empty.
    public init?(_ header: String) {
        guard let dot = header.lastIndex(of: ".") else { return nil }
        let prefix = header[..<dot]
        let operation = header[header.index(after: dot)...]
        guard !prefix.isEmpty, !operation.isEmpty else { return nil }
        self.prefix = prefix
        self.operation = operation
    }
}
