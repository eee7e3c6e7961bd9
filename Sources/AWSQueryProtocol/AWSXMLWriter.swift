import AWSJSONProtocol
import Foundation
import NIOCore

/// Writes the XML of a Query-protocol reply into a buffer: elements named as the model's `locationName`s, text
/// escaped, lists as an element holding one element per item (`<vpcSet><item>…</item></vpcSet>`).
public struct AWSXMLWriter: Sendable {
    public private(set) var buffer: ByteBuffer

    public init(capacity: Int = 512) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Writes `<name>value</name>`, or nothing when `value` is `nil`.
    public mutating func member(_ name: StaticString, _ value: (some AWSXMLValue)?) {
        guard let value else { return }
        open(name)
        value.writeXML(to: &self)
        close(name)
    }

    /// Writes a list, each item in an element named `item`, or nothing when `list` is `nil`.
    public mutating func member<Item: AWSXMLValue>(_ name: StaticString, _ list: [Item]?, item: StaticString) {
        guard let list else { return }
        open(name)
        for element in list {
            open(item)
            element.writeXML(to: &self)
            close(item)
        }
        close(name)
    }

    /// Writes `text`, escaped.
    public mutating func text(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for (index, byte) in bytes.enumerated() {
                let escape: StaticString
                switch byte {
                case UInt8(ascii: "<"): escape = "&lt;"
                case UInt8(ascii: ">"): escape = "&gt;"
                case UInt8(ascii: "&"): escape = "&amp;"
                case UInt8(ascii: "\""): escape = "&quot;"
                case UInt8(ascii: "'"): escape = "&apos;"
                case 0x0D: escape = "&#xD;"
                default: continue
                }
                buffer.writeBytes(bytes[start..<index])
                buffer.writeStaticString(escape)
                start = index + 1
            }
            buffer.writeBytes(bytes[start...])
        }
    }

    /// Writes markup as it is.
    public mutating func raw(_ markup: StaticString) { buffer.writeStaticString(markup) }

    /// Writes markup as it is (names built from the model, never from a request).
    public mutating func raw(_ markup: String) { buffer.writeString(markup) }

    private mutating func open(_ name: StaticString) {
        buffer.writeInteger(UInt8(ascii: "<"))
        buffer.writeStaticString(name)
        buffer.writeInteger(UInt8(ascii: ">"))
    }

    private mutating func close(_ name: StaticString) {
        buffer.writeStaticString("</")
        buffer.writeStaticString(name)
        buffer.writeInteger(UInt8(ascii: ">"))
    }
}

/// A value written as the content of an element: text for a scalar, child elements for a structure.
public protocol AWSXMLValue: Sendable {
    func writeXML(to writer: inout AWSXMLWriter)
}

extension String: AWSXMLValue {
    public func writeXML(to writer: inout AWSXMLWriter) { writer.text(self) }
}

extension Int: AWSXMLValue {
    public func writeXML(to writer: inout AWSXMLWriter) { writer.raw(String(self)) }
}

extension Double: AWSXMLValue {
    public func writeXML(to writer: inout AWSXMLWriter) { writer.raw(String(self)) }
}

extension Bool: AWSXMLValue {
    public func writeXML(to writer: inout AWSXMLWriter) { writer.raw(self ? "true" : "false") }
}

extension Date: AWSXMLValue {
    /// ISO 8601 in UTC with milliseconds, as EC2 writes instants (`2026-12-03T10:00:00.000Z`).
    public func writeXML(to writer: inout AWSXMLWriter) {
        writer.raw(formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true)) + "Z")
    }
}
