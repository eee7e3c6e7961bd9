import AWSJSONProtocol
import DXDispatch
import Hummingbird
import NIOCore

extension ResponseBody {
    /// A reply's JSON on the wire: chunks written whole, or a long listing sent chunk by chunk as it is written, its
    /// memory handed back once it is sent (`MemoryTrimmer`).
    init(_ reply: OperationReply) {
        switch reply {
        case .chunks(let chunks):
            self = chunks.count == 1 ? ResponseBody(byteBuffer: chunks[0]) : ResponseBody(contentsOf: chunks)
        case .streamed(let output):
            let length = output.jsonByteCount
            self = ResponseBody(contentLength: length) { writer in
                try await output.writeJSON(inChunksOf: AWSJSONWriter.chunkSize) { try await writer.write($0) }
                try await writer.finish(nil)
                MemoryTrimmer.replySent(bytes: length)
            }
        }
    }
}
