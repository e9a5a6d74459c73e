import CZlib
import Foundation

/// The on-disk recording format (docs/recording-format.md).
///
/// A recording is a directory of segments `segment-000001.cbrec`, `segment-000002.cbrec`, … Each
/// segment starts with the 8-byte magic `CBREC\u{0}\u{0}\u{1}` and a length-prefixed JSON header,
/// followed by blocks:
///
/// ```
/// block  = u32 stored length | u32 CRC-32 of the stored bytes | u32 raw length | u8 codec | stored bytes
/// codec  = 0 raw, 1 zlib
/// raw    = record*
/// record = i64 receive time (Unix ms) | u16 topic length | u32 payload length | topic | payload
/// ```
///
/// All integers are little-endian. A block is written whole and its CRC covers it, so a torn
/// write (crash, `kill -9`, full disk) damages at most the last block, which the reader detects
/// and the writer trims when it reopens the recording.
enum RecordingFormat {
    static let magic: [UInt8] = Array("CBREC".utf8) + [0, 0, 1]
    static let version = 1
    static let blockHeaderSize = 13

    enum Codec: UInt8 {
        case raw = 0
        case zlib = 1
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(0, buffer.baseAddress, uInt(buffer.count)))
        }
    }

    static func compress(_ bytes: [UInt8]) -> [UInt8]? {
        var length = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                compress2(out.baseAddress, &length, input.baseAddress, uLong(input.count), Z_DEFAULT_COMPRESSION)
            }
        }
        guard status == Z_OK else { return nil }
        output.removeSubrange(Int(length)...)
        return output
    }

    static func decompress(_ bytes: [UInt8], rawLength: Int) -> [UInt8]? {
        var length = uLong(rawLength)
        var output = [UInt8](repeating: 0, count: rawLength)
        let status = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                uncompress(out.baseAddress, &length, input.baseAddress, uLong(input.count))
            }
        }
        return status == Z_OK && Int(length) == rawLength ? output : nil
    }

    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func read<T: FixedWidthInteger>(_ type: T.Type, from bytes: some RandomAccessCollection<UInt8>, at offset: Int) -> T? {
        let start = bytes.index(bytes.startIndex, offsetBy: offset)
        guard bytes.distance(from: start, to: bytes.endIndex) >= MemoryLayout<T>.size else { return nil }
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { raw in
            for (index, byte) in bytes[start...].prefix(MemoryLayout<T>.size).enumerated() { raw[index] = byte }
        }
        return T(littleEndian: value)
    }

    /// Appends one record: receive time, topic and payload lengths, topic (at most 65 535 bytes), payload.
    static func appendRecord(receivedAt: Int64, topic: some Collection<UInt8>, payload: some Collection<UInt8>, to bytes: inout [UInt8]) {
        append(receivedAt, to: &bytes)
        append(UInt16(clamping: topic.count), to: &bytes)
        append(UInt32(payload.count), to: &bytes)
        bytes += topic.prefix(Int(UInt16.max))
        bytes += payload
    }

    static func segmentName(_ number: Int) -> String {
        let digits = String(number)
        return "segment-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".cbrec"
    }
}
