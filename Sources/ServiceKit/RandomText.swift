/// Random text for IDs and ARN suffixes, from the system's generator.
package enum RandomText {
    package static let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// `count` characters drawn uniformly from `alphabet`: each draw from the system's generator (one system call)
    /// yields as many characters as fit below 2^64, rather than one.
    package static func string(_ count: Int, from alphabet: [Character]) -> String {
        guard alphabet.count > 1 else { return String(repeating: alphabet.first ?? "0", count: count) }
        var generator = SystemRandomNumberGenerator()
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
