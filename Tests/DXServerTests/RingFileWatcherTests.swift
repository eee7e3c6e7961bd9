import Foundation
import StorageTestSupport
import Testing

@testable import DXServer

#if canImport(Glibc)
import Glibc
#endif

/// The server checks the master key ring's file before every seal, so that `dxlocal rotate-master-key` takes effect
/// without a restart; it reads the file again only when it changed.
@Suite struct RingFileWatcherTests {
    /// Runs `body` with the path of a ring file in a directory of its own, removed afterwards.
    private static func withRingPath(_ body: (String) async throws -> Void) async throws {
        try await withTemporaryDirectory("dxlocal-ring") {
            try await body($0.appendingPathComponent("master.key").path)
        }
    }

    private static func info(_ path: String) throws -> stat {
        var info = stat()
        try #require(stat(path, &info) == 0)
        return info
    }

    /// Sets the file's access and modification times to those in `info`.
    private static func setTimes(of path: String, to info: stat) throws {
        var times = [info.st_atim, info.st_mtim]
        try #require(utimensat(AT_FDCWD, path, &times, 0) == 0)
    }

    /// A ring of one key, written as the server writes its first one, and a watcher that has read it.
    private static func watchedRing(at path: String) throws -> RingFileWatcher {
        let first = [Data(repeating: 1, count: 32)]
        try MasterKey.write(first, to: path, exclusive: true)
        let watcher = RingFileWatcher(path: path)
        #expect(try watcher.keysIfChanged() == first)
        return watcher
    }

    @Test func anUnchangedRingIsReadOnce() async throws {
        try await Self.withRingPath { path in
            let watcher = try Self.watchedRing(at: path)
            #expect(try watcher.keysIfChanged() == nil)
            #expect(try watcher.keysIfChanged() == nil)
        }
    }

    /// `rotate-master-key` writes the new ring beside the old one and renames it over it. A ring of the same size
    /// whose modification time matches the old one's to the nanosecond is still another file.
    @Test func aRingRenamedOverTheOldOneIsReadWithTheSameTimeAndSize() async throws {
        try await Self.withRingPath { path in
            let watcher = try Self.watchedRing(at: path)
            let before = try Self.info(path)

            let second = [Data(repeating: 2, count: 32)]
            try MasterKey.write(second, to: path)
            try Self.setTimes(of: path, to: before)
            let after = try Self.info(path)
            #expect(after.st_size == before.st_size)
            #expect(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
            #expect(after.st_ino != before.st_ino)

            #expect(try watcher.keysIfChanged() == second)
            #expect(try watcher.keysIfChanged() == nil)
        }
    }

    /// Ring after ring renamed over the last, each seen once, by the next check: the watcher follows every new file
    /// (on Linux its inotify watch moves to it), and checks between rotations see no change.
    @Test func everyRotationInARowIsSeenByTheNextCheck() async throws {
        try await Self.withRingPath { path in
            let watcher = try Self.watchedRing(at: path)
            for round in 2...6 {
                let ring = [Data(repeating: UInt8(round), count: 32), Data(repeating: 1, count: 32)]
                try MasterKey.write(ring, to: path)
                #expect(try watcher.keysIfChanged() == ring)
                #expect(try watcher.keysIfChanged() == nil)
                #expect(try watcher.keysIfChanged() == nil)
            }
        }
    }

    /// A ring renamed over one that another process still holds open: the old file lives on unlinked, so the watch
    /// on it is not dropped (no IN_IGNORED) and only its link count changes. That change alone must count.
    @Test func aRingRenamedOverAnOpenOneIsSeen() async throws {
        try await Self.withRingPath { path in
            let watcher = try Self.watchedRing(at: path)
            let holder = try #require(FileHandle(forReadingAtPath: path))
            defer { try? holder.close() }
            let second = [Data(repeating: 4, count: 32), Data(repeating: 1, count: 32)]
            try MasterKey.write(second, to: path)
            #expect(try watcher.keysIfChanged() == second)
            #expect(try watcher.keysIfChanged() == nil)
        }
    }

    /// The same file rewritten in place (an editor, `cp` over it) with a new modification time.
    @Test func aRingRewrittenInPlaceIsReadWhenItsTimeChanges() async throws {
        try await Self.withRingPath { path in
            let watcher = try Self.watchedRing(at: path)
            var before = try Self.info(path)

            let second = [Data(repeating: 3, count: 32)]
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: Data((second[0].base64EncodedString() + "\n").utf8))
            try handle.close()
            before.st_mtim.tv_sec += 1
            try Self.setTimes(of: path, to: before)
            #expect(try Self.info(path).st_ino == before.st_ino)

            #expect(try watcher.keysIfChanged() == second)
            #expect(try watcher.keysIfChanged() == nil)
        }
    }

    @Test func aMissingRingIsNoChange() async throws {
        try await Self.withRingPath { path throws in
            let watcher = RingFileWatcher(path: path)
            #expect(try watcher.keysIfChanged() == nil)
        }
    }
}
