/// When and on what device a list is asked for, as numbers a learned ranker can split on: an
/// item bought on phones in the evening may deserve a place on a phone in the evening that it
/// does not deserve on a desktop at noon. Serving fills it from the request (the person's local
/// hour when the request says, else the hour in UTC); training from the logged response or the
/// person's return after the cut, in the same way, so the two read the same scale.
public struct RankingContext: Sendable, Equatable {
    /// 0-23.
    public var hour: Int?
    /// 0 Sunday ... 6 Saturday.
    public var weekday: Int?
    /// A device class: `mobile`, `tablet` or `desktop` (nil for any other or unknown).
    public var device: DeviceClass?

    /// The device classes whose share of an item's events the ranker reads, in the order
    /// of `RerankerItemFacts.deviceShare`.
    public enum DeviceClass: Int, Sendable, CaseIterable {
        case mobile = 0, tablet, desktop

        /// Recognizes the classes by the names events store them under.
        public init?(name: String?) {
            switch name?.lowercased() {
            case "mobile": self = .mobile
            case "tablet": self = .tablet
            case "desktop": self = .desktop
            default: return nil
            }
        }
    }

    public static let unknown = RankingContext(hour: nil, weekday: nil, device: nil)

    public init(hour: Int?, weekday: Int?, device: DeviceClass?) {
        self.hour = hour.flatMap { (0..<24).contains($0) ? $0 : nil }
        self.weekday = weekday.flatMap { (0..<7).contains($0) ? $0 : nil }
        self.device = device
    }

    /// At `ms` (epoch milliseconds, UTC), with the person's local hour when known.
    public init(atMs ms: Int64, localHour: Int?, device: String?) {
        let day = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        // 1970-01-01 was a Thursday.
        self.init(
            hour: localHour ?? Int((ms - day * 86_400_000) / 3_600_000), weekday: Int((day % 7 + 7 + 4) % 7),
            device: DeviceClass(name: device))
    }

    /// The part of the day the hour falls in: night (0-5), morning, afternoon, evening (18-23),
    /// as the feature store counts people's events.
    public var daypart: Int? { hour.map { $0 / 6 } }
}
