extension Array {
    /// Reverses the elements by moving them: `reverse()` swaps through copies, retaining and
    /// releasing every reference an element holds; a buffer pointer's swap moves the bytes.
    @inlinable
    public mutating func reverseByMoving() {
        withUnsafeMutableBufferPointer { $0.reverse() }
    }
}
