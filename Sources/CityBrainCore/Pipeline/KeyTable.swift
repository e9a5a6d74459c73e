/// Interns sensor ids to dense integers within one partition, and remembers each sensor's
/// latest district.
struct KeyTable {
    private var indices: [String: Int32] = [:]
    private(set) var sensors: [String] = []
    private(set) var districts: [String?] = []

    /// The index of `event.sensor`, adding it on first sight; updates its district.
    mutating func intern(_ event: Event) -> Int32 {
        if let index = indices[event.sensor] {
            if let district = event.district, districts[Int(index)] != district { districts[Int(index)] = district }
            return index
        }
        let index = Int32(sensors.count)
        indices[event.sensor] = index
        sensors.append(event.sensor)
        districts.append(event.district)
        return index
    }

    var count: Int { sensors.count }
}
