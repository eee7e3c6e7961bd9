import Foundation
import NIOCore

/// A value the JSON writer can put on the wire. The generated shapes and enums conform, and so do the scalars the
/// models use; output shapes are written with it instead of `JSONEncoder`, straight into the response buffer.
public protocol AWSJSONValue {
    /// Writes the value as the protocol's JSON: unset members omitted, timestamps as epoch seconds, blobs as base64.
    func writeJSON(to writer: inout AWSJSONWriter)
}

/// Writes JSON text with the output `JSONEncoder` gives under the protocol's settings (`secondsSince1970`,
/// `withoutEscapingSlashes`), but member by member into raw memory, without the boxes, key strings and dictionaries
/// `JSONEncoder` builds for every value: a listing of thousands of connections was slow with it.
///
/// The text is handed over in chunks of at most `chunkSize` bytes (a value is never split), so that a response of
/// megabytes is neither copied as it grows nor held in one large allocation (which the allocator maps fresh, page
/// fault by page fault, and unmaps again, every time). Not copyable: it owns its memory.
public struct AWSJSONWriter: ~Copyable {
    /// Bytes a chunk holds before the next value starts a new one.
    public static let chunkSize = 64 * 1024

    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var count = 0
    @usableFromInline var capacity: Int
    @usableFromInline var chunks: [ByteBuffer] = []
    /// Whether the next member or element needs a comma before it.
    @usableFromInline var needsSeparator = false

    /// Whether `base` is the writer's own (else a block lent to it, `init(borrowing:)`).
    @usableFromInline var ownsBase = true

    public init(capacity: Int = 1024) {
        self.capacity = min(max(capacity, 64), Self.chunkSize)
        self.base = .allocate(capacity: self.capacity)
    }

    /// A writer that starts in `block`, which the caller keeps alive and unused while the writer lives, and frees
    /// itself; a longer text moves to memory of the writer's own. For texts made one after another on one thread (the
    /// store's record documents): no allocation for each, where a block of 1 KiB or more was a large request to the
    /// allocator every time.
    public init(borrowing block: UnsafeMutableBufferPointer<UInt8>) {
        if let start = block.baseAddress, block.count >= 64 {
            self.base = start
            self.capacity = min(block.count, Self.chunkSize)
            self.ownsBase = false
        } else {
            self.capacity = 1024
            self.base = .allocate(capacity: 1024)
        }
    }

    deinit {
        if ownsBase { base.deallocate() }
    }

    /// The text written, when it is in one piece (it is unless it grew past `chunkSize`): `nil` otherwise.
    public func withContiguousBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        guard chunks.isEmpty else { return nil }
        return try body(UnsafeBufferPointer(start: base, count: count))
    }

    /// The JSON text of `value`, in chunks.
    public static func write(_ value: some AWSJSONValue, capacity: Int = 1024) -> [ByteBuffer] {
        var writer = AWSJSONWriter(capacity: capacity)
        value.writeJSON(to: &writer)
        return writer.finish()
    }

    /// The JSON text of `value` as a string (a record's document).
    public static func string(_ value: some AWSJSONValue) -> String {
        var writer = AWSJSONWriter(capacity: 1024)
        value.writeJSON(to: &writer)
        return writer.finishString()
    }

    /// The JSON text of `value` as bytes, for keeping (a rendering cache).
    public static func bytes(_ value: some AWSJSONValue) -> [UInt8] {
        var writer = AWSJSONWriter(capacity: 1024)
        value.writeJSON(to: &writer)
        return writer.finishBytes()
    }

    /// The text written, as bytes.
    public consuming func finishBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(chunks.reduce(count) { $0 + $1.readableBytes })
        for chunk in chunks { bytes.append(contentsOf: chunk.readableBytesView) }
        bytes.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
        return bytes
    }

    /// The text written, as a string (one allocation: the bytes go straight into the string's storage).
    public consuming func finishString() -> String {
        let total = chunks.reduce(count) { $0 + $1.readableBytes }
        return String(unsafeUninitializedCapacity: total) { target in
            guard let start = target.baseAddress else { return 0 }
            var offset = 0
            for chunk in chunks {
                chunk.withUnsafeReadableBytes { source in
                    if let from = source.baseAddress {
                        UnsafeMutableRawPointer(start + offset).copyMemory(from: from, byteCount: source.count)
                    }
                }
                offset += chunk.readableBytes
            }
            (start + offset).update(from: base, count: count)
            return total
        }
    }

    /// The text written, in chunks of at most `chunkSize` bytes (but for a single larger value).
    public consuming func finish() -> [ByteBuffer] {
        seal()
        return chunks
    }

    /// Moves what the block holds into a chunk of its own.
    @usableFromInline
    mutating func seal() {
        guard count > 0 else { return }
        var chunk = ByteBufferAllocator().buffer(capacity: count)
        chunk.writeBytes(UnsafeRawBufferPointer(start: base, count: count))
        chunks.append(chunk)
        count = 0
    }

    // MARK: Bytes

    @inlinable
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { makeRoom(for: extra) }
    }

    /// Below the chunk size the block grows; at it, what it holds becomes a chunk and the block starts again.
    @usableFromInline
    mutating func makeRoom(for extra: Int) {
        if capacity >= Self.chunkSize { seal() }
        guard count + extra > capacity else { return }
        let newCapacity = max(count + extra, min(capacity * 2, Self.chunkSize))
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        if ownsBase { base.deallocate() }
        base = newBase
        ownsBase = true
        capacity = newCapacity
    }

    @inlinable
    mutating func byte(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inlinable
    mutating func bytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        if let source = bytes.baseAddress { (base + count).update(from: source, count: bytes.count) }
        count += bytes.count
    }

    @inlinable
    public mutating func raw(_ text: StaticString) {
        bytes(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// JSON text written elsewhere (a value rendered earlier), as is.
    @inlinable
    public mutating func raw(_ json: [UInt8]) {
        json.withUnsafeBufferPointer { bytes($0) }
    }

    // MARK: Containers

    @inlinable
    public mutating func beginObject() {
        byte(UInt8(ascii: "{"))
        needsSeparator = false
    }

    @inlinable
    public mutating func endObject() {
        byte(UInt8(ascii: "}"))
        needsSeparator = true
    }

    /// One member of an object, omitted when unset. `key` is the member's name already quoted and followed by a
    /// colon (`"connectionId":`), as the generator writes it, so no key is escaped or copied at run time.
    @inlinable
    public mutating func member<Value: AWSJSONValue>(_ key: StaticString, _ value: Value?) {
        guard let value else { return }
        if needsSeparator { byte(UInt8(ascii: ",")) }
        raw(key)
        value.writeJSON(to: &self)
        needsSeparator = true
    }

    /// One member whose name is known only at run time (a log line's metadata); the name is escaped.
    @inlinable
    public mutating func member<Value: AWSJSONValue>(named key: String, _ value: Value) {
        if needsSeparator { byte(UInt8(ascii: ",")) }
        string(key)
        byte(UInt8(ascii: ":"))
        value.writeJSON(to: &self)
        needsSeparator = true
    }

    @inlinable
    public mutating func array<Element: AWSJSONValue>(_ elements: [Element]) {
        byte(UInt8(ascii: "["))
        needsSeparator = false
        for element in elements {
            if needsSeparator { byte(UInt8(ascii: ",")) }
            element.writeJSON(to: &self)
            needsSeparator = true
        }
        byte(UInt8(ascii: "]"))
        needsSeparator = true
    }

    @inlinable
    public mutating func object<Value: AWSJSONValue>(_ members: [String: Value]) {
        byte(UInt8(ascii: "{"))
        needsSeparator = false
        for (key, value) in members {
            if needsSeparator { byte(UInt8(ascii: ",")) }
            string(key)
            byte(UInt8(ascii: ":"))
            value.writeJSON(to: &self)
            needsSeparator = true
        }
        byte(UInt8(ascii: "}"))
        needsSeparator = true
    }

    // MARK: Scalars

    @inlinable
    public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { quoted($0) }
    }

    /// A string's UTF-8 between quotes, escaped as `JSONEncoder` escapes it: `"` and `\` with a backslash, control
    /// characters as `\n`, `\t`, ... or `\u00XX`; everything else (slashes, non-ASCII) as is.
    @usableFromInline
    mutating func quoted(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count + 2)
        base[count] = UInt8(ascii: "\"")
        count += 1
        var start = 0
        // Eight bytes at a time up to the first that needs escaping (most strings have none): the byte-by-byte
        // scan was 1.3 % of the server's samples under key rotation (perf, 2026-12-06), the records' documents.
        var clean = 0
        if let source = bytes.baseAddress {
            let raw = UnsafeRawPointer(source)
            while clean + 8 <= bytes.count,
                !Self.needsEscaping(raw.loadUnaligned(fromByteOffset: clean, as: UInt64.self))
            {
                clean += 8
            }
        }
        for index in clean..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            self.bytes(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            start = index + 1
            switch byte {
            case UInt8(ascii: "\""): raw(#"\""#)
            case UInt8(ascii: "\\"): raw(#"\\"#)
            case 0x0A: raw(#"\n"#)
            case 0x0D: raw(#"\r"#)
            case 0x09: raw(#"\t"#)
            case 0x08: raw(#"\b"#)
            case 0x0C: raw(#"\f"#)
            default:
                let hex: StaticString = "0123456789abcdef"
                raw(#"\u00"#)
                self.byte(hex.utf8Start[Int(byte >> 4)])
                self.byte(hex.utf8Start[Int(byte & 0x0F)])
            }
        }
        self.bytes(UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        self.byte(UInt8(ascii: "\""))
    }

    /// Whether any of the eight bytes is below 0x20, a quote or a backslash (the "has less" and "has zero" tests
    /// of eight bytes in a word; exact as to whether one is there, not as to which).
    @usableFromInline
    static func needsEscaping(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word & highs
        let quotes = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
        let backslashes = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
        return control | ((quotes &- ones) & ~quotes & highs) | ((backslashes &- ones) & ~backslashes & highs) != 0
    }

    @inlinable
    public mutating func integer(_ value: Int) {
        reserve(20)
        if value == 0 {
            base[count] = UInt8(ascii: "0")
            count += 1
            return
        }
        var magnitude = value.magnitude
        var digits = 0
        var probe = magnitude
        while probe > 0 {
            digits += 1
            probe /= 10
        }
        if value < 0 {
            base[count] = UInt8(ascii: "-")
            count += 1
        }
        var index = count + digits - 1
        while magnitude > 0 {
            base[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
            index -= 1
        }
        count += digits
    }

    @inlinable
    public mutating func boolean(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    /// A number as `JSONEncoder` writes it: whole values without a fraction (`1700000000`), others in Swift's
    /// shortest form (`1700000000.123`, `1e-07`). JSON has no infinity or NaN; they are written as `null`.
    @inlinable
    public mutating func number(_ value: Double) {
        guard value.isFinite else {
            raw("null")
            return
        }
        if value == value.rounded(.towardZero), abs(value) < 1e15 {
            integer(Int(value))
        } else {
            // The text `description` has (the shortest that reads back as the same number), written by the standard
            // library straight into the block: `description` made a String for each (three a key rotation).
            reserve(DigitSink.capacity)
            var sink = DigitSink(start: base + count)
            value.write(to: &sink)
            if sink.count <= DigitSink.capacity {
                count += sink.count
            } else {
                var text = value.description
                text.withUTF8 { bytes($0) }
            }
        }
    }
}

/// Where `Double.write(to:)` puts its digits: the writer's block, at most `capacity` bytes (a `Double`'s text takes
/// at most 24); more would be counted, not written, and the caller falls back to `description`.
@usableFromInline
struct DigitSink: TextOutputStream {
    @usableFromInline static let capacity = 32
    @usableFromInline let start: UnsafeMutablePointer<UInt8>
    @usableFromInline var count = 0

    @usableFromInline
    init(start: UnsafeMutablePointer<UInt8>) {
        self.start = start
    }

    /// The standard library's floating-point types write their ASCII digits through this.
    @usableFromInline
    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        append(buffer)
    }

    @usableFromInline
    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { append($0) }
    }

    private mutating func append(_ buffer: UnsafeBufferPointer<UInt8>) {
        if count + buffer.count <= Self.capacity, let source = buffer.baseAddress {
            (start + count).update(from: source, count: buffer.count)
        }
        count += buffer.count
    }
}

extension String: AWSJSONValue {
    @inlinable
    public func writeJSON(to writer: inout AWSJSONWriter) { writer.string(self) }
}

extension Int: AWSJSONValue {
    @inlinable
    public func writeJSON(to writer: inout AWSJSONWriter) { writer.integer(self) }
}

extension Bool: AWSJSONValue {
    @inlinable
    public func writeJSON(to writer: inout AWSJSONWriter) { writer.boolean(self) }
}

extension Double: AWSJSONValue {
    @inlinable
    public func writeJSON(to writer: inout AWSJSONWriter) { writer.number(self) }
}

extension Date: AWSJSONValue {
    /// Epoch seconds, the protocol's timestamp format.
    @inlinable
    public func writeJSON(to writer: inout AWSJSONWriter) { writer.number(timeIntervalSince1970) }
}

extension Data: AWSJSONValue {
    /// Base64, the protocol's blob format.
    @inlinable
    public func writeJSON(to writer: inout AWSJSONWriter) { writer.string(base64EncodedString()) }
}

extension Array: AWSJSONValue where Element: AWSJSONValue {
    @inlinable
    public func writeJSON(to writer: inout AWSJSONWriter) { writer.array(self) }
}

extension Dictionary: AWSJSONValue where Key == String, Value: AWSJSONValue {
    @inlinable
    public func writeJSON(to writer: inout AWSJSONWriter) { writer.object(self) }
}
