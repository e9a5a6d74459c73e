/// Where an alert is in its lifecycle.
public enum AlertState: String, Sendable, Hashable, Codable, CaseIterable {
    /// The condition became true: the alert opens.
    case raised
    /// Still open, with a changed severity or value band.
    case updated
    /// The condition cleared: the alert closes.
    case resolved
}
