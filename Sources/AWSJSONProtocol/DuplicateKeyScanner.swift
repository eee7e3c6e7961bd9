/// Finds an object with the same member twice, which JSON parsers silently resolve one way or another; a request
/// that says two things is refused instead. Assumes nothing about validity: the decoder judges that afterwards.
enum DuplicateKeyScanner {
    /// The first member name that appears twice in one object, if any.
    static func firstDuplicate(in bytes: some Collection<UInt8>) -> String? {
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
                var string: [UInt8] = []
                var escaped = false
                while let next = iterator.next() {
                    if escaped {
                        string.append(next)
                        escaped = false
                    } else if next == UInt8(ascii: "\\") {
                        string.append(next)
                        escaped = true
                    } else if next == UInt8(ascii: "\"") {
                        break
                    } else {
                        string.append(next)
                    }
                }
                if expectingKey, let keys = objects.last, var set = keys {
                    if !set.insert(string).inserted { return String(decoding: string.prefix(64), as: UTF8.self) }
                    objects[objects.count - 1] = set
                    expectingKey = false
                }
            default:
                continue
            }
        }
        return nil
    }
}
