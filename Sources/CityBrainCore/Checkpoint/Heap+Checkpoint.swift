import HeapModule

extension Heap: CheckpointCodable where Element: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) { writer.write(unordered) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self.init(try reader.read([Element].self)) }
}
