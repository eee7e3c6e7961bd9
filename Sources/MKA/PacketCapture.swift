import Foundation

/// A pcap file (the classic format tshark and Wireshark read) of Ethernet frames with their instants: what
/// `GET /_dxlocal/mka/{id}/pcap` answers for a port's last MKPDUs (SPEC 12).
package enum PacketCapture {
    /// The link type of frames that begin with their Ethernet header.
    static let ethernet: UInt32 = 1
    static let snapshotLength: UInt32 = 65_535

    package static func file(_ frames: [(at: Date, frame: [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes += little(UInt32(0xA1B2_C3D4))
        bytes += little16(2) + little16(4)
        bytes += little(UInt32(0)) + little(UInt32(0))
        bytes += little(snapshotLength) + little(ethernet)
        for (at, frame) in frames {
            let seconds = max(0, at.timeIntervalSince1970)
            let whole = UInt32(clamping: Int64(seconds.rounded(.down)))
            let micros = UInt32(clamping: Int64(((seconds - seconds.rounded(.down)) * 1_000_000).rounded(.down)))
            let length = UInt32(clamping: frame.count)
            bytes += little(whole) + little(min(micros, 999_999)) + little(length) + little(length)
            bytes += frame
        }
        return bytes
    }

    static func little(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24 & 0xFF)]
    }

    static func little16(_ value: UInt16) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8(value >> 8)]
    }
}
