/// What a file holds, and the fields Kindred reads from it. Each field is read from the column
/// (or JSON key) of the same name unless `--map field=Column` says otherwise.
public enum ImportKind: String, Sendable, CaseIterable {
    case catalog, events, consents

    public struct Field: Sendable, Equatable {
        public let name: String
        /// Other column names recognized without a mapping (case does not matter).
        public let aliases: [String]
        public let summary: String
    }

    /// The fields of each kind, built once: requests read them for every event they carry.
    private static let fieldsByKind = Dictionary(uniqueKeysWithValues: allCases.map { ($0, $0.declaredFields) })

    public var fields: [Field] { Self.fieldsByKind[self]! }

    private var declaredFields: [Field] {
        switch self {
        case .catalog:
            return [
                Field(name: "item_id", aliases: ["id", "sku", "product_id"], summary: "the shop's product id (required)"),
                Field(name: "title", aliases: ["name"], summary: "product name"),
                Field(name: "category", aliases: [], summary: "category path, e.g. home/kitchen"),
                Field(name: "tags", aliases: [], summary: "tags separated by | or ; (or a JSON array)"),
                Field(name: "price", aliases: [], summary: "current price"),
                Field(name: "in_stock", aliases: ["available"], summary: "true/false, 1/0, yes/no (default true)"),
            ]
        case .events:
            return [
                Field(name: "event_id", aliases: [], summary: "the source's own event id; makes re-imports exact"),
                Field(name: "type", aliases: ["event_type", "event"], summary: EventType.allCases.map(\.rawValue).joined(separator: ", ")),
                Field(
                    name: "user_id", aliases: ["user", "customer_id"],
                    summary: "the person's id; pseudonymized on arrival; empty = anonymous"),
                Field(name: "item_id", aliases: ["item", "product_id", "sku"], summary: "the product (required except for search)"),
                Field(name: "session_id", aliases: ["session"], summary: "visit or order id"),
                Field(
                    name: "ts", aliases: ["timestamp", "time"], summary: "when (ISO-8601, YYYY-MM-DD HH:MM:SS, Unix s or ms) (required)"),
                Field(name: "value", aliases: ["quantity"], summary: "dwell seconds, scroll depth 0..1, quantity, rating"),
                Field(name: "price", aliases: [], summary: "unit price"),
                Field(name: "device", aliases: [], summary: Device.allCases.map(\.rawValue).joined(separator: ", ")),
                Field(name: "country", aliases: [], summary: "country code or name"),
                Field(name: "region", aliases: [], summary: "region within the country"),
                Field(name: "hour", aliases: ["local_hour"], summary: "local hour 0..23 (default: from a wall-clock timestamp)"),
                Field(name: "time_zone", aliases: ["timezone", "tz"], summary: "IANA time zone name, such as Europe/London"),
                Field(name: "referrer", aliases: [], summary: "where the visit came from"),
                Field(name: "experiment", aliases: [], summary: "experiment key"),
                Field(name: "variant", aliases: [], summary: "experiment variant"),
                Field(name: "request_id", aliases: [], summary: "recommendation response this event follows"),
                Field(
                    name: "user_agent", aliases: [],
                    summary: "browser user agent: read for its device class when device is empty, never stored"),
                Field(name: "latitude", aliases: ["lat"], summary: "where: rounded to 0.01 degree (about 1 km) on arrival"),
                Field(name: "longitude", aliases: ["lon", "lng"], summary: "where: rounded to 0.01 degree (about 1 km) on arrival"),
            ]
        case .consents:
            return [
                Field(name: "user_id", aliases: ["user", "customer_id"], summary: "the person's id (required)"),
                Field(name: "purpose", aliases: [], summary: "personalization, analytics, experiments, ... (required)"),
                Field(
                    name: "granted", aliases: ["decision", "consent"], summary: "true/false, granted/withdrawn, opt-in/opt-out (required)"),
                Field(name: "ts", aliases: ["timestamp", "time"], summary: "when the decision was made (required)"),
                Field(name: "source", aliases: [], summary: "banner, account page, ..."),
                Field(name: "policy_version", aliases: [], summary: "the privacy policy version shown"),
            ]
        }
    }

    /// Whether fields that are not Kindred's are kept (as item attributes) or ignored.
    var keepsExtraColumns: Bool { self == .catalog }
}

/// The kinds of event Kindred understands.
public enum EventType: String, Sendable, CaseIterable, Codable {
    case view, click, dwell, scroll
    case addToCart = "add_to_cart"
    case removeFromCart = "remove_from_cart"
    case purchase
    case `return`
    case impression, search, rating

    /// The `users` column counting this type.
    var profileColumn: String {
        switch self {
        case .view: return "views"
        case .click: return "clicks"
        case .dwell: return "dwells"
        case .scroll: return "scrolls"
        case .addToCart: return "add_to_carts"
        case .removeFromCart: return "remove_from_carts"
        case .purchase: return "purchases"
        case .return: return "returns"
        case .impression: return "impressions"
        case .search: return "searches"
        case .rating: return "ratings"
        }
    }
}

/// Device classes; free-form device names are folded into these at ingestion.
public enum Device: String, Sendable, CaseIterable, Codable {
    /// `kiosk` came last (an in-store screen), so that the others keep their numbers.
    case desktop, mobile, tablet, tv, bot, other, kiosk

    /// Recognizes the device names shops commonly export.
    public init?(loosely text: String) {
        switch text.lowercased() {
        case "desktop", "pc", "computer", "laptop", "web": self = .desktop
        case "mobile", "phone", "smartphone", "iphone", "android": self = .mobile
        case "tablet", "ipad": self = .tablet
        case "tv", "smarttv", "smart-tv", "smart_tv", "console": self = .tv
        case "bot", "crawler", "spider": self = .bot
        case "other", "unknown": self = .other
        case "kiosk", "in-store", "instore", "shop-screen": self = .kiosk
        default: return nil
        }
    }
}
