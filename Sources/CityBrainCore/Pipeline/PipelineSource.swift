/// The text of one pipeline file and the name to report errors against.
public struct PipelineSource: Sendable, Hashable {
    /// Shown in diagnostics, usually the path as the user typed it.
    public var name: String
    public var text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}
