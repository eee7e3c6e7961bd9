import DirectConnect
import Foundation
import ServiceKit
import Synchronization
import SystemPackage

#if canImport(Glibc)
// A whole-module (release) build may take the C library's `timespec` from Dispatch's headers, which define it too
// (seen in this module's release build, not in the debug build); with that module imported its members are
// visible whichever definition the build took.
import CDispatch
import Glibc
#endif

/// Where the keys that seal secret values come from: the operator (`DXLOCAL_MASTER_KEY`, base64 keys separated
/// by commas, the first sealing), or the key ring file generated once into the data directory.
///
/// The file holds one base64 key a line, the sealing key first, and is readable by its owner only. A running
/// server re-reads it when it changes, so `dxlocal rotate-master-key` can publish a new key without a restart.
package enum MasterKey {
    package static let fileName = "master.key"

    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    /// The sealer a server uses.
    package static func sealer(configured: String?, storage: DXServerConfiguration.Storage) throws -> SecretSealer {
        if let configured {
            return try SecretSealer(keys: parse(configured, separator: ","))
        }
        switch storage {
        case .memory:
            return try SecretSealer(keys: [SecretSealer.generateKeyData()])
        case .directory(let directory):
            let path = (directory as NSString).appendingPathComponent(fileName)
            if !FileManager.default.fileExists(atPath: path) {
                try write([SecretSealer.generateKeyData()], to: path, exclusive: true)
            }
            let watcher = RingFileWatcher(path: path)
            guard let keys = try watcher.keysIfChanged() else { throw Failure(description: "cannot read \(path)") }
            return try SecretSealer(keys: keys) { try watcher.keysIfChanged() }
        }
    }

    static func parse(_ text: String, separator: Character) throws -> [Data] {
        let keys = text.split(whereSeparator: { $0 == separator || $0.isNewline })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .map { Data(base64Encoded: $0) }
        guard !keys.isEmpty, keys.allSatisfy({ $0?.count == 32 }) else {
            throw Failure(description: "a master key must be 32 bytes, base64-encoded")
        }
        return keys.compactMap { $0 }
    }

    /// Reads the ring file at `path`.
    package static func read(_ path: String) throws -> [Data] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Failure(description: "cannot read \(path)")
        }
        return try parse(text, separator: "\n")
    }

    /// `O_SYNC`, which swift-system names on FreeBSD only.
    private static let synchronous = FileDescriptor.OpenOptions(rawValue: O_SYNC)

    /// Writes a ring file readable by its owner only; replaces an existing one atomically. The writes are
    /// synchronous (`O_SYNC`), so the ring is on the disk before anything is sealed under a new key.
    package static func write(_ keys: [Data], to path: String, exclusive: Bool = false) throws {
        let target = exclusive ? path : path + ".new"
        let bytes = Array(keys.map { $0.base64EncodedString() + "\n" }.joined().utf8)
        do {
            let file = try FileDescriptor.open(
                FilePath(target),
                .writeOnly,
                options: [.create, exclusive ? .exclusiveCreate : .truncate, Self.synchronous],
                permissions: [.ownerReadWrite]
            )
            try file.closeAfter { _ = try file.writeAll(bytes) }
        } catch {
            throw Failure(description: "cannot write \(target): \(error)")
        }
        if !exclusive {
            guard rename(target, path) == 0 else { throw Failure(description: "cannot replace \(path)") }
        }
    }
}

/// Re-reads the ring file only when it changed: a file renamed over it (`MasterKey.write` replaces it so), or a new
/// modification time or size. Called before every seal, so the check must be cheap: one `stat` and a comparison, and
/// on Linux not even that while the file's inotify watch has seen nothing (a `read` of an empty, non-blocking
/// descriptor, 0.3 µs here against 1.2 µs for the `stat`, which was 1.1 % of the server's samples under key rotation).
/// The kernel queues a change's event before the call that made it returns, so a ring that `rotate-master-key` has
/// replaced is seen by the next seal, as before.
final class RingFileWatcher: Sendable {
    /// What `stat` says of the file that tells one version from the next.
    struct Stamp: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var seconds: Int64
        var nanoseconds: Int64

        init(_ info: Stat) {
            device = UInt64(info.deviceID.rawValue)
            inode = UInt64(info.inode.rawValue)
            size = info.size
            seconds = Int64(info.st_mtim.tv_sec)
            nanoseconds = Int64(info.st_mtim.tv_nsec)
        }
    }

    private struct State {
        var seen: Stamp?
        /// Whether the watch is on the file as it is now, so that no event means no change.
        var watching = false
    }

    let path: String
    /// `path` as `Stat` takes it, made once rather than at every seal.
    private let filePath: FilePath
    private let state = Mutex(State())
    #if os(Linux)
    /// The inotify descriptor, non-blocking; -1 when the system gave none (then every check is a `stat`).
    private let notifications: Int32
    #endif

    init(path: String) {
        self.path = path
        self.filePath = FilePath(path)
        #if os(Linux)
        notifications = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        #endif
    }

    deinit {
        #if os(Linux)
        if notifications >= 0 { close(notifications) }
        #endif
    }

    func keysIfChanged() throws -> [Data]? {
        try state.withLock { state in
            if state.watching, !changeNoticed() { return nil }
            // Watch the file as it is before reading it: whatever changes it from now on leaves an event.
            state.watching = watch()
            guard let info = try? Stat(filePath) else { return nil }
            let stamp = Stamp(info)
            guard state.seen != stamp else { return nil }
            let keys = try MasterKey.read(path)
            state.seen = stamp
            return keys
        }
    }

    /// Whether the watch has an event (or the descriptor failed): every queued event is taken.
    private func changeNoticed() -> Bool {
        #if os(Linux)
        var noticed = false
        var events = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while true {
            let count = withUnsafeMutableBytes(of: &events) { read(notifications, $0.baseAddress, $0.count) }
            if count > 0 {
                noticed = true
                continue
            }
            return noticed || count == 0 || errno != EAGAIN
        }
        #else
        return true
        #endif
    }

    /// Watches the file `path` names now (its changes, and its replacement, which unlinks it); `false` when it cannot.
    private func watch() -> Bool {
        #if os(Linux)
        guard notifications >= 0 else { return false }
        let events = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF
        return inotify_add_watch(notifications, path, UInt32(events)) >= 0
        #else
        return false
        #endif
    }
}
