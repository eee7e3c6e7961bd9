import Logging

/// swift-log's `StreamLogHandler` on standard error, with the same output, but metadata is only formatted when a
/// message is written. `StreamLogHandler` formats it whenever it is set, and Hummingbird sets a request ID on every
/// request's logger: at `--log-level error` that cost more than a request's JSON decoding, for lines never written.
package struct StandardErrorLogHandler: LogHandler {
    private let label: String
    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?

    package init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var stream = StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
        stream.logLevel = logLevel
        stream.metadata = metadata
        stream.log(event: event)
    }
}
