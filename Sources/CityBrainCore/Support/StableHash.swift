/// FNV-1a, 64-bit: a hash that is the same in every process and on every run.
///
/// Swift's `Hasher` is seeded per process, so it cannot route keys to partitions reproducibly;
/// this can.
public enum StableHash {
    @inlinable
    public static func fnv1a(_ text: String) -> UInt64 {
        // Over the contiguous UTF-8 (a small string's is copied to the stack): iterating the
        // `utf8` view cost more than the hashing, once per event in the router.
        var text = text
        return text.withUTF8 { bytes in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01B3
            }
            return hash
        }
    }

    /// The partition, in `0..<count`, that owns `key`.
    @inlinable
    public static func partition(of key: String, count: Int) -> Int {
        partition(ofHash: fnv1a(key), count: count)
    }

    /// The partition, in `0..<count`, that owns the key whose ``fnv1a(_:)`` is `hash`.
    @inlinable
    public static func partition(ofHash hash: UInt64, count: Int) -> Int {
        Int(hash % UInt64(count))
    }
}
