import Foundation

/// The kinds of interaction Learning distinguishes; mirrors the events Kindred stores, so that
/// Learning needs no knowledge of the database.
public enum InteractionKind: UInt8, Sendable, CaseIterable, Codable {
    case view, click, dwell, scroll, addToCart, removeFromCart, purchase, `return`, impression, search, rating
}

/// Interaction events on dense indices, in parallel arrays: what the Store hands Learning.
public struct InteractionLog: Sendable {
    public var users: [Int32]
    public var items: [Int32]
    public var kinds: [InteractionKind]
    public var values: [Float]
    /// Unix milliseconds.
    public var times: [Int64]

    public init(users: [Int32] = [], items: [Int32] = [], kinds: [InteractionKind] = [], values: [Float] = [], times: [Int64] = []) {
        self.users = users
        self.items = items
        self.kinds = kinds
        self.values = values
        self.times = times
    }

    public var count: Int { users.count }

    public mutating func append(user: Int32, item: Int32, kind: InteractionKind, value: Float, time: Int64) {
        users.append(user)
        items.append(item)
        kinds.append(kind)
        values.append(value)
        times.append(time)
    }
}

/// How much each kind of event says about a person's interest: purchase > add_to_cart >
/// click > view; dwell and scroll scale with their value; returns cancel purchases; optional
/// exponential time decay. Confidence for ALS is then 1 + alpha * weight (Hu, Koren and
/// Volinsky, 2008).
public struct EventWeights: Sendable, Codable, Equatable {
    public var view: Float = 1
    public var click: Float = 2
    /// Per minute of dwell time, up to `dwellCapSeconds`.
    public var dwellPerMinute: Float = 1
    public var dwellCapSeconds: Float = 300
    /// Times the scroll depth (0..1).
    public var scroll: Float = 1
    public var addToCart: Float = 4
    public var removeFromCart: Float = -2
    /// Per purchase event (an order line), whatever the quantity.
    public var purchase: Float = 8
    public var `return`: Float = -8
    public var impression: Float = 0
    public var search: Float = 0
    /// A rating of one star: still a weak positive, since the person chose, bought and
    /// rated the item (Steck's and Marlin's "missing not at random": what people rate at all
    /// says more than the stars). `rating_base=-4,rating_per_star=2` gives the older mapping,
    /// where three stars were nothing and fewer were negative.
    public var ratingBase: Float = 1
    /// Per star above one.
    public var ratingPerStar: Float = 1
    /// Half-life of an event's weight in days; nil keeps old events at full weight.
    public var halfLifeDays: Double?

    public init() {}

    /// Field names as `--weights name=value` takes them.
    public static let names = [
        "view", "click", "dwell_per_minute", "dwell_cap_seconds", "scroll", "add_to_cart", "remove_from_cart", "purchase",
        "return", "impression", "search", "rating_base", "rating_per_star", "half_life_days",
    ]

    /// Sets one weight by name; false for an unknown name.
    public mutating func set(_ name: String, to value: Double) -> Bool {
        let v = Float(value)
        switch name {
        case "view": view = v
        case "click": click = v
        case "dwell_per_minute": dwellPerMinute = v
        case "dwell_cap_seconds": dwellCapSeconds = v
        case "scroll": scroll = v
        case "add_to_cart": addToCart = v
        case "remove_from_cart": removeFromCart = v
        case "purchase": purchase = v
        case "return": self.return = v
        case "impression": impression = v
        case "search": search = v
        case "rating_base": ratingBase = v
        case "rating_per_star": ratingPerStar = v
        case "half_life_days": halfLifeDays = value > 0 ? value : nil
        default: return false
        }
        return true
    }

    public func weight(_ kind: InteractionKind, value: Float) -> Float {
        switch kind {
        case .view: return view
        case .click: return click
        case .dwell: return dwellPerMinute * min(max(value, 0), dwellCapSeconds) / 60
        case .scroll: return scroll * min(max(value, 0), 1)
        case .addToCart: return addToCart
        case .removeFromCart: return removeFromCart
        case .purchase: return purchase
        case .return: return self.return
        case .impression: return impression
        case .search: return search
        case .rating: return ratingBase + ratingPerStar * (min(max(value, 0), 5) - 1)
        }
    }

    /// The factor time decay applies to an event at `time`.
    public func decay(at time: Int64, referenceTime: Int64) -> Float {
        guard let halfLifeDays else { return 1 }
        let ageDays = Double(max(0, referenceTime - time)) / 86_400_000
        return Float(pow(0.5, ageDays / halfLifeDays))
    }

    /// The user x item weight matrix of a log, with time decay measured from `referenceTime`.
    /// Pairs whose total weight is not positive are dropped.
    public func matrix(of events: InteractionLog, users: Int, items: Int, referenceTime: Int64) -> SparseMatrix {
        var entries: [(row: Int32, column: Int32, value: Float)] = []
        entries.reserveCapacity(events.count)
        for index in 0..<events.count where events.users[index] >= 0 && events.items[index] >= 0 {
            let w = weight(events.kinds[index], value: events.values[index]) * decay(at: events.times[index], referenceTime: referenceTime)
            guard w != 0 else { continue }
            entries.append((events.users[index], events.items[index], w))
        }
        return SparseMatrix(rows: users, columns: items, entries: entries, keepPositiveOnly: true)
    }
}

extension EventWeights {
    private enum CodingKeys: String, CodingKey {
        case view, click, dwellPerMinute, dwellCapSeconds, scroll, addToCart, removeFromCart, purchase, `return`, impression, search
        case ratingBase, ratingPerStar, halfLifeDays
    }

    /// Weights stored with older model versions lack the fields added since: each missing one
    /// takes its default, except that weights from before `ratingBase` keep the mapping they
    /// were trained with (`ratingPerStar` per star above three, so a base of -2 x per star).
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        view = try c.decodeIfPresent(Float.self, forKey: .view) ?? view
        click = try c.decodeIfPresent(Float.self, forKey: .click) ?? click
        dwellPerMinute = try c.decodeIfPresent(Float.self, forKey: .dwellPerMinute) ?? dwellPerMinute
        dwellCapSeconds = try c.decodeIfPresent(Float.self, forKey: .dwellCapSeconds) ?? dwellCapSeconds
        scroll = try c.decodeIfPresent(Float.self, forKey: .scroll) ?? scroll
        addToCart = try c.decodeIfPresent(Float.self, forKey: .addToCart) ?? addToCart
        removeFromCart = try c.decodeIfPresent(Float.self, forKey: .removeFromCart) ?? removeFromCart
        purchase = try c.decodeIfPresent(Float.self, forKey: .purchase) ?? purchase
        self.return = try c.decodeIfPresent(Float.self, forKey: .return) ?? self.return
        impression = try c.decodeIfPresent(Float.self, forKey: .impression) ?? impression
        search = try c.decodeIfPresent(Float.self, forKey: .search) ?? search
        halfLifeDays = try c.decodeIfPresent(Double.self, forKey: .halfLifeDays)
        if let base = try c.decodeIfPresent(Float.self, forKey: .ratingBase) {
            ratingBase = base
            ratingPerStar = try c.decodeIfPresent(Float.self, forKey: .ratingPerStar) ?? ratingPerStar
        } else {
            let perStar = try c.decodeIfPresent(Float.self, forKey: .ratingPerStar) ?? 2
            ratingPerStar = perStar
            ratingBase = -2 * perStar
        }
    }
}
