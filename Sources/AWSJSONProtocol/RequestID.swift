import Foundation

/// The `x-amzn-RequestId` of a reply.
public enum RequestID {
    public static let header = "x-amzn-RequestId"

    /// A fresh lower-case UUID, as AWS renders them.
    public static func make() -> String { UUID().uuidString.lowercased() }
}
