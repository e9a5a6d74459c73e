/// The layout of a native frame the scanner read in full: every byte outside its values (the
/// *literal*: braces, field names, separators, whitespace, and the `kind` value) and what each
/// value is. A feed sends the same few layouts over and over, so a frame is first compared with
/// the layouts of recent ones (``FrameShapes``): where one fits, only the values are read.
///
/// `{"kind":"traffic","sensor":"seg-1","ts":1732270000000,"speed_kmh":43.5}` has the literal
/// `{"kind":"traffic","sensor":` `,"ts":` `,"speed_kmh":` `}` around three values.
///
/// Immutable once made, so a cache can be copied between threads.
final class FrameShape: @unchecked Sendable {
    /// One value: the literal before it ends at `literalEnd` (counted from the literal's start).
    struct Slot {
        var literalEnd: Int
        var field: JSONEventScanner.Field
        /// The field's name (for a measurement, its reading's name).
        var name: String
        /// A measurement's range for the shape's kind (``MeasurementLimits``), or ±∞: a value
        /// outside it is rejected, whether the scan checks it as it reads it or after (when the
        /// measurement comes before `kind`).
        var lowest = -Double.infinity
        var highest = Double.infinity
    }

    /// The longest literal and the most values a shape keeps; larger frames are read in full.
    static let maxLiteralBytes = 512
    static let maxSlots = MeasurementLimits.maxMeasurements + 4

    let slots: [Slot]
    /// The kind the literal names.
    let kind: EventKind
    /// The values that are readings.
    let readingCount: Int
    let literalCount: Int
    /// The literal's bytes (``matches(_:at:literal:)`` never reads past them).
    private let literal: UnsafeMutableRawPointer

    /// The layout of `frame`, which the scanner read as `event` while noting `recording`;
    /// `nil` for a frame too large to keep.
    init?(_ recording: ShapeRecording, of frame: UnsafeRawBufferPointer, event: Event) {
        var bytes: [UInt8] = []
        var slots: [Slot] = []
        var hasKind = false
        var position = 0
        for span in recording.spans {
            if span.field == .kind {
                hasKind = true  // its value stays in the literal
                continue
            }
            bytes += frame[position..<span.value.lowerBound]
            var slot = Slot(literalEnd: bytes.count, field: span.field, name: span.name)
            if span.field == .measurement, let range = MeasurementLimits.range(of: span.name, for: event.kind) {
                (slot.lowest, slot.highest) = (range.lowerBound, range.upperBound)
            }
            slots.append(slot)
            position = span.value.upperBound
        }
        bytes += frame[position..<frame.count]
        guard hasKind, bytes.count <= Self.maxLiteralBytes, slots.count <= Self.maxSlots else { return nil }
        self.slots = slots
        self.kind = event.kind
        self.readingCount = slots.count { $0.field == .measurement }
        self.literalCount = bytes.count
        literal = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 8)
        bytes.withUnsafeBytes { literal.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
    }

    deinit {
        literal.deallocate()
    }

    /// Whether `bytes` holds the literal's `range` at `position`.
    @inline(__always)
    func matches(_ bytes: UnsafeRawBufferPointer, at position: Int, literal range: Range<Int>) -> Bool {
        let count = range.count
        guard position + count <= bytes.count else { return false }
        guard count > 0 else { return true }
        let frame = bytes.baseAddress! + position
        let expected = UnsafeRawPointer(literal + range.lowerBound)
        if count >= 8 {
            // Words, the last one overlapping the one before.
            var offset = 0
            while offset + 8 < count {
                guard Self.word(frame, offset) == Self.word(expected, offset) else { return false }
                offset += 8
            }
            return Self.word(frame, count - 8) == Self.word(expected, count - 8)
        }
        if count >= 4 {
            return Self.half(frame, 0) == Self.half(expected, 0) && Self.half(frame, count - 4) == Self.half(expected, count - 4)
        }
        for offset in 0..<count where frame.load(fromByteOffset: offset, as: UInt8.self) != expected.load(fromByteOffset: offset, as: UInt8.self) {
            return false
        }
        return true
    }

    @inline(__always)
    private static func word(_ base: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
    }

    @inline(__always)
    private static func half(_ base: UnsafeRawPointer, _ offset: Int) -> UInt32 {
        base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
    }
}

/// Where the full scan found each value of a frame, for ``FrameShape``.
struct ShapeRecording {
    struct Span {
        var field: JSONEventScanner.Field
        var name: String
        /// The value's bytes (a string's with its quotes).
        var value: Range<Int>
    }

    private(set) var spans: [Span] = []

    mutating func note(_ field: JSONEventScanner.Field, _ name: String, value: Range<Int>) {
        spans.append(Span(field: field, name: name, value: value))
    }
}
