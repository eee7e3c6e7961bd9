import AWSJSONProtocol
import NIOCore

/// A wire shape of a Query-protocol service model (EC2's), read from a request's parameters and written as XML.
///
/// Every member is optional, as in the JSON shapes, so that the service reports a missing member with its own error.
public protocol AWSQueryShape: Sendable, Hashable, AWSQueryReadable, AWSXMLValue {
    /// Wire names of required members that are unset, in model order.
    var missingRequiredMembers: [String] { get }
}

extension AWSQueryShape {
    public var missingRequiredMembers: [String] { [] }
}

/// One operation of a Query-protocol model: its `Action` and its input and output shapes.
public protocol AWSQueryOperation: Sendable {
    associatedtype Input: AWSQueryShape
    associatedtype Output: AWSQueryShape
    /// The operation's `Action` parameter.
    static var name: String { get }
}

/// The output of an operation the model gives none: EC2 answers `<return>true</return>`.
public struct QueryReturn: AWSQueryShape {
    public init() {}

    public static func read(_ query: QueryParameters, _ name: String) -> QueryReturn? { QueryReturn() }

    public func writeXML(to writer: inout AWSXMLWriter) { writer.raw("<return>true</return>") }
}

/// The Query protocol's envelopes: a reply `<ActionResponse xmlns=…><requestId>…</requestId>…</ActionResponse>` and
/// EC2's error form `<Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors><RequestID>…`.
public enum AWSQueryCoding {
    public static let contentType = "text/xml;charset=UTF-8"
    /// The content type of a request.
    public static let formContentType = "application/x-www-form-urlencoded"

    /// The reply to `action`: `output` in its envelope, with the request's ID.
    public static func reply(
        action: String,
        namespace: String,
        requestID: String,
        output: some AWSXMLValue
    ) -> ByteBuffer {
        var writer = AWSXMLWriter()
        writer.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        writer.raw("<\(action)Response xmlns=\"\(namespace)/\">")
        writer.raw("<requestId>")
        writer.text(requestID)
        writer.raw("</requestId>")
        output.writeXML(to: &writer)
        writer.raw("</\(action)Response>")
        return writer.buffer
    }

    /// An error in EC2's form.
    public static func errorBody(_ error: AWSError, requestID: String) -> ByteBuffer {
        var writer = AWSXMLWriter()
        writer.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>")
        writer.text(error.code)
        writer.raw("</Code><Message>")
        writer.text(error.message)
        writer.raw("</Message></Error></Errors><RequestID>")
        writer.text(requestID)
        writer.raw("</RequestID></Response>")
        return writer.buffer
    }

    /// The operation a request's parameters name (`Action`), checked against `Version` when one is given.
    public static func action(of query: QueryParameters, version: String) throws(AWSError) -> String {
        guard let action = query["Action"], !action.isEmpty else {
            throw AWSError(code: "MissingAction", message: "The request must contain the parameter Action", status: 400)
        }
        if let given = query["Version"], given != version {
            throw AWSError(
                code: "InvalidParameterValue",
                message: "Version \(given) is not served here; use \(version)",
                status: 400
            )
        }
        return action
    }
}

/// An error to be answered in the Query protocol's XML form rather than as JSON; the middleware renders it, and logs
/// `cause` (a fault of the server's) under the request ID.
public struct QueryProtocolFailure: Error, Sendable {
    public var error: AWSError
    public var cause: String?

    public init(_ error: AWSError, cause: String? = nil) {
        self.error = error
        self.cause = cause
    }
}
