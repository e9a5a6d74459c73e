/// Identifies one window or pane of an aggregation: the interned key and its start.
struct WindowKey: Hashable {
    var key: Int32
    var start: Int64
}
