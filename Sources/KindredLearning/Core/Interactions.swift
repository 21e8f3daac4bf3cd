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
    /// Per star above (or below) three.
    public var ratingPerStar: Float = 2
    /// Half-life of an event's weight in days; nil keeps old events at full weight.
    public var halfLifeDays: Double?

    public init() {}

    /// Field names as `--weights name=value` takes them.
    public static let names = [
        "view", "click", "dwell_per_minute", "dwell_cap_seconds", "scroll", "add_to_cart", "remove_from_cart", "purchase",
        "return", "impression", "search", "rating_per_star", "half_life_days",
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
        case .rating: return ratingPerStar * (value - 3)
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
