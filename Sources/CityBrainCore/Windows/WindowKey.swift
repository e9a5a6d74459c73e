/// Identifies one open window of a rule: the interned key and the window's start.
struct WindowKey: Hashable {
    var key: Int32
    var start: Int64
}
