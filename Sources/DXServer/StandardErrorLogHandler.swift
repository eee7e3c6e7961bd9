import AWSJSONProtocol
import Foundation
import Logging

/// The log on standard error, as text (swift-log's `StreamLogHandler`'s lines) or, with `--log-format json`, one JSON
/// object a line (SPEC 11). Metadata is only formatted when a line is written: `StreamLogHandler` formats it whenever
/// it is set, and Hummingbird sets a request ID on every request's logger: at `--log-level error` that cost more than
/// a request's JSON decoding, for lines never written.
package struct StandardErrorLogHandler: LogHandler {
    package enum Format: String, Sendable, CaseIterable {
        case text
        case json
    }

    private let label: String
    private let format: Format
    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?

    package init(label: String, level: Logger.Level, format: Format = .text) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        switch format {
        case .text:
            var stream = StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
            stream.logLevel = logLevel
            stream.metadata = metadata
            stream.log(event: event)
        case .json:
            var merged = metadata
            if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
            if let given = event.metadata { merged.merge(given) { _, new in new } }
            var line = Self.jsonLine(
                time: Date(),
                level: event.level,
                message: "\(event.message)",
                logger: label,
                metadata: merged
            )
            line.append(UInt8(ascii: "\n"))
            // One write(2) of the whole line: lines of concurrent requests do not interleave.
            FileHandle.standardError.write(Data(line))
        }
    }

    /// `{"time", "level", "message", "logger", <metadata>...}`: metadata members in name order, a number as a JSON
    /// number, a list or dictionary as JSON's own.
    static func jsonLine(
        time: Date,
        level: Logger.Level,
        message: String,
        logger: String,
        metadata: Logger.Metadata
    ) -> [UInt8] {
        var writer = AWSJSONWriter(capacity: 512)
        writer.beginObject()
        writer.member("\"time\":", time.formatted(Self.timeFormat))
        writer.member("\"level\":", level.rawValue)
        writer.member("\"message\":", message)
        writer.member("\"logger\":", logger)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key })
        where !["time", "level", "message", "logger"].contains(key) {
            writer.member(named: key, JSONMetadata(value))
        }
        writer.endObject()
        return writer.finishBytes()
    }

    static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}

/// A metadata value as JSON.
private struct JSONMetadata: AWSJSONValue {
    let value: Logger.Metadata.Value

    init(_ value: Logger.Metadata.Value) { self.value = value }

    func writeJSON(to writer: inout AWSJSONWriter) {
        switch value {
        case .string(let text): writer.string(text)
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as Int: writer.integer(number)
            case let number as Double where number.isFinite: writer.number(number)
            default: writer.string(convertible.description)
            }
        case .array(let values): writer.array(values.map(JSONMetadata.init))
        case .dictionary(let members): writer.object(members.mapValues(JSONMetadata.init))
        }
    }
}
