/// Each key's newest pane (its start and its states' base in the arena), by interned key: most
/// events fall in their key's newest pane, found here with one load from a dense array instead
/// of a probe of the ``PaneTable``, whose first load missed the cache (`perf annotate`: 88 % of
/// the table's lookups on the one-rule job).
///
/// A cache: the table stays the truth. Whoever removes a pane or moves states in the arena
/// forgets the entry (``forget(key:start:)``) or all of them (``removeAll()``).
struct NewestPanes {
    private struct Entry {
        var start: Int64
        var base: Int32
    }

    private static let none = Entry(start: .min, base: -1)
    private var entries: [Entry] = []

    /// The base of `key`'s pane starting at `start`, if that is its newest pane.
    @inline(__always)
    func base(of key: Int32, start: Int64) -> Int32? {
        let index = Int(key)
        guard index < entries.count else { return nil }
        let entry = entries[index]
        return entry.start == start ? entry.base : nil
    }

    /// Notes `key`'s pane starting at `start`, at `base`, unless a later pane of the key is
    /// noted (a late event's older pane does not displace the one in-order events fill).
    mutating func note(key: Int32, start: Int64, base: Int32) {
        let index = Int(key)
        if index >= entries.count { entries.append(contentsOf: repeatElement(Self.none, count: index - entries.count + 1)) }
        if start > entries[index].start { entries[index] = Entry(start: start, base: base) }
    }

    /// Forgets `key`'s pane starting at `start`, if it is the one noted.
    mutating func forget(key: Int32, start: Int64) {
        let index = Int(key)
        if index < entries.count, entries[index].start == start { entries[index] = Self.none }
    }

    /// Forgets `key`'s pane, whichever it is (the key's windows were dropped).
    mutating func forget(key: Int32) {
        if Int(key) < entries.count { entries[Int(key)] = Self.none }
    }

    /// Forgets every key's pane (after the arena moved states, or a restore).
    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
    }

    /// Gives the memory back when far fewer panes are open than keys were noted (most keys went
    /// quiet), as the pane table shrinks; the cache fills again as events come.
    mutating func releaseIfSparse(openPanes: Int) {
        guard entries.count > 64, openPanes * 4 < entries.count else { return }
        entries = []
    }

    var byteCount: Int { entries.capacity * MemoryLayout<Entry>.stride }
}
