extension Int64 {
    /// The largest multiple of `unit` not above this value (towards minus infinity, unlike `/`):
    /// the start of the window, pane or bucket of length `unit` an event time falls in.
    @inline(__always)
    func floored(toMultipleOf unit: Int64) -> Int64 {
        let remainder = self % unit
        return remainder >= 0 ? self - remainder : self - remainder - unit
    }
}
