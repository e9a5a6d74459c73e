/// Interns keys (sensor or district ids) to dense integers within one partition, remembers
/// each key's latest district and event time, and frees keys that went silent.
struct KeyTable {
    /// The live keys' slots by their names' ``StableHash/fnv1a(_:)``.
    private var lookup = KeyIndex()
    private(set) var names: [String] = []
    private(set) var districts: [String?] = []
    private(set) var lastSeen: [Int64] = []
    /// Each key's close slice (``CloseSpread/slice(of:)``), kept so that windows closing read it
    /// by index instead of hashing the name again.
    private(set) var slices: [UInt8] = []
    private var free: [Int32] = []

    /// The index of `name`, adding it on first sight; updates its district and last event time.
    /// - Parameter hash: `StableHash.fnv1a(name)`, which the router has computed already.
    mutating func intern(_ name: String, hash: UInt64, district: String?, time: Int64) -> Int32 {
        assert(hash == StableHash.fnv1a(name), "a key's hash must be its StableHash")
        if let index = lookup.find(hash, where: { names[Int($0)] == name }) {
            let slot = Int(index)
            if let district, districts[slot] != district { districts[slot] = district }
            if time > lastSeen[slot] { lastSeen[slot] = time }
            return index
        }
        let index: Int32
        if let reused = free.popLast() {
            index = reused
            names[Int(index)] = name
            districts[Int(index)] = district
            lastSeen[Int(index)] = time
            slices[Int(index)] = CloseSpread.slice(of: name)
        } else {
            index = Int32(names.count)
            names.append(name)
            districts.append(district)
            lastSeen.append(time)
            slices.append(CloseSpread.slice(of: name))
        }
        lookup.insert(hash, index: index)
        return index
    }

    /// Starts fetching what an ``intern(_:hash:district:time:)`` of the name hashed `hash` reads
    /// first; call a few events ahead. Mutating though it changes nothing: called on a table
    /// held by a class, a non-mutating method works on a copy of the table (six retains and
    /// releases, per event).
    @inline(__always)
    mutating func prefetch(hash: UInt64) {
        lookup.prefetch(hash)
    }

    /// The index of `name`, adding it on first sight: ``intern(_:hash:district:time:)`` hashing
    /// the name itself.
    mutating func intern(_ name: String, district: String?, time: Int64) -> Int32 {
        intern(name, hash: StableHash.fnv1a(name), district: district, time: time)
    }

    /// Live keys.
    var count: Int { lookup.count }

    /// Keys whose last event is at or before `time`.
    func silent(since time: Int64) -> [Int32] {
        lookup.liveSlots.filter { lastSeen[Int($0)] <= time }
    }

    /// Forgets a key; its index may be reused.
    mutating func remove(_ index: Int32) {
        lookup.remove(StableHash.fnv1a(names[Int(index)]), index: index)
        names[Int(index)] = ""
        districts[Int(index)] = nil
        free.append(index)
    }

    /// Shrinks the lookup table after many keys were removed.
    mutating func compactIfSparse() {
        lookup.compactIfSparse()
    }

    var byteCount: Int { lookup.byteCount + names.capacity * 41 + free.capacity * 4 }
}

extension KeyTable: CheckpointCodable {
    func write(to writer: inout CheckpointWriter) {
        writer.write(names)
        writer.write(districts)
        writer.write(lastSeen)
        writer.write(free)
    }

    /// The lookup table and the slices are rebuilt from the names (freed slots hold an empty name).
    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        names = try reader.read()
        districts = try reader.read()
        lastSeen = try reader.read()
        free = try reader.read()
        guard districts.count == names.count, lastSeen.count == names.count, free.allSatisfy({ Int($0) < names.count }) else {
            throw reader.invalid("a key table's columns differ in length")
        }
        let freed = Set(free)
        lookup = KeyIndex(capacity: names.count - freed.count)
        for (index, name) in names.enumerated() where !freed.contains(Int32(index)) { lookup.insert(StableHash.fnv1a(name), index: Int32(index)) }
        slices = names.map(CloseSpread.slice(of:))
    }
}
