/// The optional first frame of a feed message: `<kind>.<district>.<sensor>`.
///
/// Subscribers filter on its prefix (`traffic.d07.`); the decoder checks that it agrees with the
/// JSON body, so a publisher cannot mislabel events.
public enum FeedTopic {
    /// The topic for an event, e.g. `traffic.d07.seg-00421` (`-` when there is no district).
    public static func topic(for event: Event) -> String {
        "\(event.kind.rawValue).\(event.district ?? "-").\(event.sensor)"
    }

    /// The sensor a topic names (all after its second `.`), without decoding the body; `nil`
    /// when the topic has no sensor part. Used to shed a reading before it is decoded.
    public static func sensor(of topic: UnsafeRawBufferPointer) -> String? {
        guard let first = topic.firstIndex(of: UInt8(ascii: ".")),
              let second = topic[(first + 1)...].firstIndex(of: UInt8(ascii: ".")), second + 1 < topic.count else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: topic[(second + 1)...]), as: UTF8.self)
    }

    /// Checks `topic` against the decoded body; fills in the district from the topic when the
    /// body has none.
    static func reconcile(_ topic: UnsafeRawBufferPointer, with event: inout Event) throws(FrameRejection) {
        guard let text = String(validating: topic, as: UTF8.self) else {
            throw FrameRejection(.topicMismatch, "topic frame is not valid UTF-8")
        }
        let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[2].isEmpty else {
            throw FrameRejection(.topicMismatch, "topic '\(text.prefix(80))' is not <kind>.<district>.<sensor>")
        }
        guard parts[0] == event.kind.rawValue else {
            throw FrameRejection(.topicMismatch, "topic kind '\(parts[0])' differs from body kind '\(event.kind.rawValue)'")
        }
        guard parts[2] == event.sensor else {
            throw FrameRejection(.topicMismatch, "topic sensor '\(parts[2].prefix(80))' differs from body sensor '\(event.sensor)'")
        }
        let district = String(parts[1])
        if let bodyDistrict = event.district {
            guard district == bodyDistrict || district == "-" || district.isEmpty else {
                throw FrameRejection(.topicMismatch, "topic district '\(district)' differs from body district '\(bodyDistrict)'")
            }
        } else if !district.isEmpty && district != "-" {
            event.district = district
        }
    }
}
