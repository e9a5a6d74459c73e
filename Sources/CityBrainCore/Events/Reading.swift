/// One named numeric reading carried by an ``Event``, e.g. `speed_kmh = 43.5`.
public struct Reading: Sendable, Hashable {
    /// The JSON field name, e.g. `"speed_kmh"`.
    public var name: String
    /// Always finite: the decoder rejects NaN and infinities.
    public var value: Double

    public init(_ name: String, _ value: Double) {
        self.name = name
        self.value = value
    }
}
