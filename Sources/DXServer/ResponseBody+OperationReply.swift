import AWSJSONProtocol
import DXDispatch
import Hummingbird
import NIOCore

extension ResponseBody {
    /// A reply's JSON on the wire, chunk by chunk; once a long one that was built for this request is sent, what
    /// building it left in the allocator's arenas is handed back (`MemoryTrimmer`). One answered from the response
    /// cache built nothing.
    init(_ reply: OperationReply) {
        let chunks = reply.chunks
        guard reply.byteCount >= MemoryTrimmer.largeReply, !reply.isKeptReply else {
            self = chunks.count == 1 ? ResponseBody(byteBuffer: chunks[0]) : ResponseBody(contentsOf: chunks)
            return
        }
        let length = reply.byteCount
        self = ResponseBody(contentLength: length) { writer in
            for chunk in chunks { try await writer.write(chunk) }
            try await writer.finish(nil)
            MemoryTrimmer.replySent(bytes: length)
        }
    }
}
