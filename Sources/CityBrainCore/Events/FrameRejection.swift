/// A rejected feed frame: the reason (for counting) and a sentence naming what and where.
///
/// `description` reads like `missing_field: required field 'ts' is missing`.
public struct FrameRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: RejectReason
    /// What was wrong and where, for a person.
    public var detail: String

    public init(_ reason: RejectReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}
