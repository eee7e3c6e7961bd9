/// What a store reports; the domain translates it and it never reaches the wire as is.
package struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: String, Hashable, Sendable {
        /// A write collided with a concurrent one (for instance a unique key).
        case conflict
        /// The store cannot be reached or is closed.
        case unavailable
        /// Stored data could not be read back (corruption or a newer schema).
        case corrupt
        /// The schema is newer than this build understands.
        case schemaTooNew
    }

    package var code: Code
    /// Safe for logs: never carries record contents.
    package var detail: String

    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    package var description: String { "StoreError.\(code.rawValue): \(detail)" }

    package static func == (lhs: StoreError, rhs: StoreError) -> Bool { lhs.code == rhs.code }
    package func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
