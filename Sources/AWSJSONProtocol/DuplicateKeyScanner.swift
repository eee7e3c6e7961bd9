/// Finds an object with the same member twice, which JSON parsers silently resolve one way or another; a request
/// that says two things is refused instead. Assumes nothing about validity: the decoder judges that afterwards.
enum DuplicateKeyScanner {
    /// The first member name that appears twice in one object, if any.
    static func firstDuplicate(in bytes: UnsafeRawBufferPointer) -> String? {
        var objects: [Set<[UInt8]>?] = []  // nil marks an array level
        var expectingKey = false
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "{"):
                objects.append([])
                expectingKey = true
            case UInt8(ascii: "["):
                objects.append(nil)
                expectingKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = objects.popLast()
                expectingKey = false
            case UInt8(ascii: ","):
                expectingKey = objects.last.map { $0 != nil } ?? false
            case UInt8(ascii: "\""):
                // Only member names are kept; a value's bytes are skipped.
                let isKey = expectingKey && objects.last.map { $0 != nil } ?? false
                var string: [UInt8] = []
                var escaped = false
                while let next = iterator.next() {
                    if escaped {
                        escaped = false
                    } else if next == UInt8(ascii: "\\") {
                        escaped = true
                    } else if next == UInt8(ascii: "\"") {
                        break
                    }
                    if isKey { string.append(next) }
                }
                if isKey {
                    let last = objects.count - 1
                    if objects[last]?.insert(string).inserted == false {
                        return String(decoding: string.prefix(64), as: UTF8.self)
                    }
                    expectingKey = false
                }
            default:
                continue
            }
        }
        return nil
    }
}
