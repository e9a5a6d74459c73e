/// A short ASCII name (a field name, a kind) as read from a frame: up to 16 bytes packed into two
/// words, so the scanner matches it against the names it knows with two comparisons instead of
/// building a `String` and hashing it.
struct PackedName: Equatable {
    /// The longest name that packs.
    static let capacity = 16

    private var low: UInt64 = 0
    private var high: UInt64 = 0
    /// Bytes in the name.
    private(set) var count = 0

    /// An empty name, to append bytes to.
    init() {}

    /// A name from its packed bytes, for constants written out (byte 0 lowest in `low`), which
    /// cost nothing to reach; a `static let` of `PackedName("…")` costs a `swift_once` at each use.
    init(low: UInt64, high: UInt64 = 0, count: Int) {
        self.low = low
        self.high = high
        self.count = count
    }

    /// `text` packed, or `nil` if it is longer than ``capacity`` bytes or not ASCII.
    init?(_ text: String) {
        for byte in text.utf8 {
            guard byte < 0x80, append(byte) else { return nil }
        }
    }

    /// Appends one byte; `false` (the name unchanged) when it is full.
    @inline(__always)
    mutating func append(_ byte: UInt8) -> Bool {
        guard count < Self.capacity else { return false }
        if count < 8 {
            low |= UInt64(byte) << (8 * UInt64(count))
        } else {
            high |= UInt64(byte) << (8 * UInt64(count - 8))
        }
        count += 1
        return true
    }
}
