import AWSJSONProtocol

/// Random text for IDs and ARN suffixes, from `NameRandomness` (repeatable with `dxlocal serve --random-seed`).
package enum RandomText {
    package static let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// `count` characters drawn uniformly from `alphabet`: each draw yields as many characters as fit below 2^64.
    package static func string(_ count: Int, from alphabet: [Character]) -> String {
        guard alphabet.count > 1 else { return String(repeating: alphabet.first ?? "0", count: count) }
        var generator = NameRandomness()
        let base = UInt64(alphabet.count)
        var result = ""
        var left = count
        while left > 0 {
            var digits = 0
            var span: UInt64 = 1
            while digits < left {
                let (wider, overflow) = span.multipliedReportingOverflow(by: base)
                if overflow { break }
                span = wider
                digits += 1
            }
            var value = UInt64.random(in: 0..<span, using: &generator)
            for _ in 0..<digits {
                result.append(alphabet[Int(value % base)])
                value /= base
            }
            left -= digits
        }
        return result
    }
}
