import DirectConnect
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where the key that seals secret values comes from: the operator, or a file generated once.
enum MasterKey {
    static let fileName = "master.key"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func sealer(configured: String?, storage: DXServerConfiguration.Storage) throws -> SecretSealer {
        if let configured {
            guard let data = Data(base64Encoded: configured), let sealer = SecretSealer(keyData: data) else {
                throw Failure(description: "the master key must be 32 bytes, base64-encoded")
            }
            return sealer
        }
        switch storage {
        case .memory:
            return try make(SecretSealer.generateKeyData())
        case .directory(let directory):
            return try make(loadOrCreate(in: directory))
        }
    }

    private static func make(_ data: Data) throws -> SecretSealer {
        guard let sealer = SecretSealer(keyData: data) else {
            throw Failure(description: "the master key file does not hold 32 base64-encoded bytes")
        }
        return sealer
    }

    /// Reads the key file, or writes a new one readable by its owner only.
    private static func loadOrCreate(in directory: String) throws -> Data {
        let path = (directory as NSString).appendingPathComponent(fileName)
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw Failure(description: "\(path) does not hold a base64-encoded key")
            }
            return data
        }
        let data = SecretSealer.generateKeyData()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw Failure(description: "cannot create \(path): errno \(errno)") }
        defer { close(descriptor) }
        let text = Array((data.base64EncodedString() + "\n").utf8)
        let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == text.count, fsync(descriptor) == 0 else {
            throw Failure(description: "cannot write \(path): errno \(errno)")
        }
        return data
    }
}
