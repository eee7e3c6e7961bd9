// The fuzz target over decode and dispatch: raw request bytes go through the operation table the HTTP server uses
// (target lookup, JSON decode, domain, encode) against a fresh reference store (`InMemoryStore`) per input.
//
// An input is up to eight requests separated by NUL bytes; each is its `X-Amz-Target`, a newline, then its body.
// In a body, `$con`, `$lag`, `$vif`, `$peer`, `$arn`, `$gw` (a Direct Connect gateway or association, the last UUID), `$vpc`, `$vgw`
// and `$tgw` stand for the last such name an earlier request of the same input answered, so a short input reaches
// the rules that need existing resources. The pseudo-target `@ec2` sends its body as an EC2 Query request (a form
// naming its `Action`), found and answered as the server finds and answers one. Two more pseudo-targets
// reach the rules of time: `@settle` first, with a number of seconds as its body, sets the settle time of
// transitions (0 otherwise); `@clock` moves the clock forward by its body's seconds. AWS errors are answers; a
// trap, a hang, a 5xx other than `NotImplemented`, a server fault, or an error that is not an `AWSError` (which the
// server would turn into a bare 500) is a finding.
//
// `scripts/fuzz` builds it with `-sanitize=fuzzer -DDXFUZZ`, where libFuzzer drives it. The ordinary build replays
// the files it is given: `swift run DXFuzz Tests/FuzzCorpus/seeds/*`.
import AWSJSONProtocol
import AWSQueryProtocol
import DXDispatch
import DirectConnect
import Dispatch
import Foundation
import NIOCore
import ServiceKit
import Storage

enum FuzzHarness {
    static let maximumRequests = 8
    static let scope = Scope(account: "111122223333", region: "us-east-1")
    // A fixed key: only sealing and opening are exercised, never the key itself.
    static let sealer = SecretSealer(keyData: Data(repeating: 7, count: 32))
    /// `DXFUZZ_TRACE=1` prints each request's target and answer, to see what an input does.
    static let trace = ProcessInfo.processInfo.environment["DXFUZZ_TRACE"] == "1"

    /// Runs one input to the end; returns a finding's description, or `nil` when every reply was a proper answer.
    static func run(_ input: [UInt8]) async -> String? {
        guard let sealer else { return "the fixed sealing key was refused" }
        let store = InMemoryStore()
        var requests = input.split(separator: 0, omittingEmptySubsequences: false).prefix(maximumRequests).map {
            request in
            let newline = request.firstIndex(of: 0x0A) ?? request.endIndex
            return (target: String(decoding: request[..<newline], as: UTF8.self), body: request[newline...].dropFirst())
        }
        var settleTime: TimeInterval = 0
        if let first = requests.first, first.target == "@settle" {
            settleTime = seconds(first.body) ?? 0
            requests.removeFirst()
        }
        let clock = ManualClock()
        let table = OperationTable.serving(
            store: store,
            clock: clock,
            settleTimes: SettleTimes(settleTime),
            sealer: sealer
        )
        var names = References()
        var finding: String?
        for (target, rawBody) in requests {
            if target == "@clock" {
                clock.advance(by: seconds(rawBody) ?? 0)
                continue
            }
            let body = names.substitute(in: rawBody)
            do {
                let output: ByteBuffer
                if target == "@ec2" {
                    let query = try QueryParameters(form: body)
                    let action = try AWSQueryCoding.action(of: query, version: OperationTable.ec2APIVersion)
                    output = try await table.handler(forAction: action, of: OperationTable.ec2Prefix).0(query, scope)
                        .collected()
                } else {
                    output = try await table.handler(for: target)(ByteBuffer(bytes: body), scope).collected()
                }
                names.record(from: output.readableBytesView)
                if trace { print(target, "->", String(buffer: output)) }
            } catch let error as AWSError {
                // Rendered as the server's middleware renders it.
                _ = AWSJSONCoding.errorBody(error)
                if trace { print(target, "->", error) }
                if error.status >= 500, error.code != AWSError.notImplemented("").code {
                    finding = "\(target) answered a server error: \(error)"
                    break
                }
            } catch let fault as ServerFault {
                finding = "\(target) answered a server fault: \(fault)"
                break
            } catch {
                finding = "\(target) threw \(String(reflecting: type(of: error))), which reaches the wire as a 500"
                break
            }
        }
        try? await store.close()
        return finding
    }

    /// A body's number of seconds for `@settle` and `@clock`: time only moves forward, by up to a year.
    static func seconds(_ body: some Collection<UInt8>) -> TimeInterval? {
        guard let value = Double(String(decoding: body, as: UTF8.self)), value > 0, value <= 366 * 86_400 else {
            return nil
        }
        return value
    }

    /// Runs `input` on the cooperative pool and waits: libFuzzer calls in synchronously on its own thread.
    static func runBlocking(_ input: [UInt8]) {
        let done = DispatchSemaphore(value: 0)
        let result = Result()
        Task.detached {
            result.finding = await run(input)
            done.signal()
        }
        done.wait()
        if let finding = result.finding { fatalError("fuzz finding: \(finding)") }
    }

    /// Hands a finding from the task to the waiting thread (the semaphore orders the two accesses).
    final class Result: @unchecked Sendable {
        var finding: String?
    }
}

/// The IDs and ARNs earlier replies of one input named, for `$con`, `$lag` and `$arn` in later bodies.
struct References {
    private var values: [String: String] = [:]

    /// Each name is its prefix and a fixed number of characters, or (`nil`) everything up to the closing quote.
    private static let patterns: [(placeholder: String, prefix: String, length: Int?)] = [
        ("$con", "dxcon-", 8),
        ("$lag", "dxlag-", 8),
        ("$vif", "dxvif-", 8),
        ("$peer", "dxpeer-", 8),
        ("$arn", "arn:aws:secretsmanager:", nil),
    ]

    private static let expressions: [(placeholder: String, pattern: String)] = [
        ("$gw", "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
        ("$vpc", "vpc-[0-9a-f]{17}"),
        ("$vgw", "vgw-[0-9a-f]{17}"),
        ("$tgw", "tgw-[0-9a-f]{17}"),
    ]

    /// Remembers the last of each kind of name in a reply.
    mutating func record(from output: some Collection<UInt8>) {
        let text = String(decoding: output, as: UTF8.self)
        // The last UUID of the reply (a Direct Connect gateway's, an association's or a proposal's ID) and the last
        // EC2 ID of each kind.
        for (placeholder, pattern) in Self.expressions {
            var rest = text[...]
            while let range = rest.range(of: pattern, options: .regularExpression) {
                values[placeholder] = String(rest[range])
                rest = rest[range.upperBound...]
            }
        }
        for pattern in Self.patterns {
            var rest = Substring(text)
            while let start = rest.range(of: pattern.prefix) {
                let tail = rest[start.lowerBound...]
                let value: Substring
                if let length = pattern.length {
                    value = tail.prefix(pattern.prefix.count + length)
                } else {
                    value = tail.prefix { $0 != "\"" }
                }
                values[pattern.placeholder] = String(value)
                rest = rest[start.upperBound...]
            }
        }
    }

    /// The body with each placeholder replaced by the name it stands for (left as is when there is none yet).
    func substitute(in body: some Collection<UInt8>) -> [UInt8] {
        guard body.contains(UInt8(ascii: "$")), !values.isEmpty else { return Array(body) }
        var text = String(decoding: body, as: UTF8.self)
        for (placeholder, value) in values { text = text.replacingOccurrences(of: placeholder, with: value) }
        return Array(text.utf8)
    }
}

/// libFuzzer's callback. SwiftPM links an executable with `main` aliased to this module's top-level code, so the
/// fuzz build starts libFuzzer's driver from there rather than through libFuzzer's own `main`.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.runBlocking(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

#if DXFUZZ
import CFuzzerDriver

var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
var count = CommandLine.argc
exit(LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) })
#else
let files = CommandLine.arguments.dropFirst()
if files.isEmpty {
    FileHandle.standardError.write(Data("usage: DXFuzz INPUT... (scripts/fuzz builds the libFuzzer target)\n".utf8))
    exit(2)
}
for file in files {
    guard let input = FileManager.default.contents(atPath: file) else {
        FileHandle.standardError.write(Data("cannot read \(file)\n".utf8))
        exit(2)
    }
    FuzzHarness.runBlocking(Array(input))
    print("ok \(file)")
}
#endif
