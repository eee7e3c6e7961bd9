import Crypto

/// A CKN/CAK pair in the form `AssociateMacSecKey` takes: 64 hexadecimal characters each.
///
/// Its `description` never shows the CAK, so a pair can be logged or interpolated without leaking the secret.
public struct MacSecKeyPair: Hashable, Sendable, CustomStringConvertible {
    public let ckn: String
    public let cak: String

    /// The length of both halves, in hexadecimal characters (256 bits).
    public static let hexLength = 64

    /// A pair checked against the format the service accepts.
    public init(ckn: String, cak: String) throws(MacSecKeyPairError) {
        guard Self.isValid(ckn) else { throw .invalidCKN }
        guard Self.isValid(cak) else { throw .invalidCAK }
        self.ckn = ckn
        self.cak = cak
    }

    /// A fresh pair from the system's cryptographically secure random source, lower-case hex.
    public static func generate() -> MacSecKeyPair {
        let ckn = SymmetricKey(size: .bits256).withUnsafeBytes { hex($0) }
        let cak = SymmetricKey(size: .bits256).withUnsafeBytes { hex($0) }
        return MacSecKeyPair(unchecked: ckn, cak: cak)
    }

    private init(unchecked ckn: String, cak: String) {
        self.ckn = ckn
        self.cak = cak
    }

    public var description: String { "MacSecKeyPair(ckn: \(ckn), cak: <redacted>)" }

    static func isValid(_ text: String) -> Bool {
        text.utf8.count == hexLength && text.utf8.allSatisfy { $0.isHexDigit }
    }

    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Why a pair was refused; the message never repeats the value.
public enum MacSecKeyPairError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidCKN
    case invalidCAK

    public var description: String {
        switch self {
        case .invalidCKN: "The CKN must be exactly 64 hexadecimal characters"
        case .invalidCAK: "The CAK must be exactly 64 hexadecimal characters"
        }
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
