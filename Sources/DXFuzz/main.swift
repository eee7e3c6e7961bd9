// libFuzzer entry point (built by scripts/fuzz with -sanitize=fuzzer -parse-as-library; libFuzzer owns `main`).
// Input: the first line is the `X-Amz-Target`, the rest the body; both go through decode and dispatch against an
// in-memory store, exactly as a request's would.
import AWSJSONProtocol
import DXServer
import DirectConnect
import Dispatch
import Foundation
import NIOCore
import Storage
import StorageSQLite
import Synchronization

final class FuzzHarness: Sendable {
    let table: OperationTable
    let store: SQLiteStore

    init(table: OperationTable, store: SQLiteStore) {
        self.table = table
        self.store = store
    }

    static let shared: FuzzHarness = {
        let box = Mutex<FuzzHarness?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                let store = try await SQLiteStore.open(.memory)
                let sealer = SecretSealer(keyData: Data(repeating: 1, count: 32))
                if let sealer {
                    let table = DXServer.operationTable(store: store, settleTime: 0, sealer: sealer)
                    box.withLock { $0 = FuzzHarness(table: table, store: store) }
                }
            } catch {}
            done.signal()
        }
        done.wait()
        guard let harness = box.withLock({ $0 }) else { fatalError("the fuzz harness could not open its store") }
        return harness
    }()

    func run(_ bytes: [UInt8]) {
        let newline = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
        let target = String(decoding: bytes[..<newline], as: UTF8.self)
        let body = newline < bytes.endIndex ? Array(bytes[(newline + 1)...]) : []
        let done = DispatchSemaphore(value: 0)
        let table = self.table
        Task.detached {
            defer { done.signal() }
            do {
                let handler = try table.handler(for: "OvertureService.\(target)")
                _ = try await handler(ByteBuffer(bytes: body), Scope(account: "111122223333", region: "us-east-1"))
            } catch is AWSError {
                // An AWS-shaped refusal is the expected answer to garbage.
            } catch {
                // Anything else would reach the wire as a 500: treat it as a finding.
                fatalError("unexpected error type \(type(of: error))")
            }
        }
        done.wait()
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzHarness.shared.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
