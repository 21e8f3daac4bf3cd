import KindredStore

/// The behavioural features of one person, computed from their daily sums as of a moment. One
/// definition for everything that reads features (segmentation, `kindred features`, later the
/// re-ranker and the bandits), so that what trains and what serves agree.
public struct PersonFeatureRow: Sendable, Equatable, Codable {
    public var pseudonym: String
    /// Values of `PersonFeatures.columns(for:)`, in that order; nil where a feature has no value
    /// (a mean over no dwell events, a rate over no carts).
    public var numbers: [Double?]
    public var topCategory: String?
    public var lastDevice: String?
    public var country: String?
    public var region: String?
}

/// A numeric feature: its column name and what it means, in words.
public struct FeatureColumn: Sendable, Equatable, Codable {
    public var name: String
    public var meaning: String
}

/// What features are computed against: the moment they describe, the catalog's price quartiles
/// (price bands) and the shop's top categories (affinity columns).
public struct FeatureContext: Sendable {
    /// Features describe the person at this moment (Unix ms).
    public var referenceMs: Int64
    /// The 25th, 50th and 75th percentile of catalog prices; empty without priced items.
    public var priceQuartiles: [Double]
    public var topCategories: [String]
    /// Whether the catalog marks anything as on sale (else discount affinity has no value).
    public var catalogMarksSales: Bool

    public init(referenceMs: Int64, priceQuartiles: [Double], topCategories: [String], catalogMarksSales: Bool) {
        self.referenceMs = referenceMs
        self.priceQuartiles = priceQuartiles
        self.topCategories = topCategories
        self.catalogMarksSales = catalogMarksSales
    }

    /// Quartiles the way a person reads them: the price below which a quarter, a half and three
    /// quarters of the catalog lie (nearest rank).
    public static func quartiles(ofAscending prices: [Double]) -> [Double] {
        guard !prices.isEmpty else { return [] }
        return [0.25, 0.5, 0.75].map { q in prices[min(prices.count - 1, max(0, Int((q * Double(prices.count)).rounded(.up)) - 1))] }
    }
}

public enum PersonFeatures {
    static let dayMs = 86_400_000.0

    /// The fixed columns, then one `category:<name>` share per top category of the shop.
    public static let fixedColumns: [FeatureColumn] = [
        .init(name: "recency_days", meaning: "days since the person's last event"),
        .init(name: "frequency", meaning: "orders: sessions with a purchase"),
        .init(name: "monetary", meaning: "revenue: purchases less returns, price x quantity"),
        .init(name: "purchases", meaning: "purchase events"),
        .init(name: "average_order_value", meaning: "monetary / frequency"),
        .init(name: "events", meaning: "events of every type"),
        .init(name: "events_1d", meaning: "events in the last day (interaction velocity)"),
        .init(name: "events_7d", meaning: "events in the last 7 days"),
        .init(name: "events_30d", meaning: "events in the last 30 days"),
        .init(name: "active_days", meaning: "days with at least one event"),
        .init(name: "tenure_days", meaning: "days since the first day with an event"),
        .init(name: "sessions", meaning: "sessions (events without a session id: one per day)"),
        .init(name: "events_per_session", meaning: "events / sessions"),
        .init(name: "mean_dwell_seconds", meaning: "mean of dwell events' seconds"),
        .init(name: "mean_scroll_depth", meaning: "mean of scroll events' depth, 0 to 1"),
        .init(name: "top_category_share", meaning: "share of events in the person's most visited category"),
        .init(name: "mean_price", meaning: "mean price of the items acted on"),
        .init(name: "price_band", meaning: "1 to 4: the catalog price quartile the mean price falls in"),
        .init(name: "desktop_share", meaning: "share of events from a desktop"),
        .init(name: "mobile_share", meaning: "share of events from a phone"),
        .init(name: "tablet_share", meaning: "share of events from a tablet"),
        .init(name: "night_share", meaning: "share of events at 0-5 h local time (UTC when the page did not say)"),
        .init(name: "morning_share", meaning: "share of events at 6-11 h"),
        .init(name: "afternoon_share", meaning: "share of events at 12-17 h"),
        .init(name: "evening_share", meaning: "share of events at 18-23 h"),
        .init(name: "weekday_share", meaning: "share of events Monday to Friday (UTC date)"),
        .init(name: "returning", meaning: "1 when active on two days or more, else 0 (new)"),
        .init(name: "cart_abandonment_rate", meaning: "sessions with a cart and no purchase / sessions with a cart"),
        .init(name: "discount_share", meaning: "purchases of items on sale / purchases, when the catalog marks sales"),
    ]

    /// The features segmentation uses unless told otherwise: what a person did (RFM, velocity,
    /// engagement), how (device, time of day) and what for (focus, price), in comparable shares.
    public static let defaultSegmentationFeatures = [
        "recency_days", "frequency", "monetary", "events_30d", "events_per_session", "mobile_share", "evening_share",
        "weekday_share", "top_category_share", "price_band", "returning",
    ]

    public static func columns(for context: FeatureContext) -> [FeatureColumn] {
        fixedColumns
            + context.topCategories.map { FeatureColumn(name: "category:\($0)", meaning: "share of events in category \($0)") }
    }

    public static func row(_ sums: FeatureStore.PersonSums, context: FeatureContext) -> PersonFeatureRow {
        func share(_ part: Int, of whole: Int) -> Double? { whole > 0 ? Double(part) / Double(whole) : nil }
        let meanPrice = sums.pricedEvents > 0 ? sums.priceSum / Double(sums.pricedEvents) : nil
        let band: Double? = meanPrice.flatMap { price in
            context.priceQuartiles.count == 3 ? Double(1 + context.priceQuartiles.reduce(0) { $0 + (price > $1 ? 1 : 0) }) : nil
        }
        let topEntry = sums.categories.first { !$0.name.isEmpty }
        let referenceDay = Int64((Double(context.referenceMs) / dayMs).rounded(.down))
        // One allocation per person: the fixed columns, then the category shares appended.
        var numbers: [Double?] = []
        numbers.reserveCapacity(fixedColumns.count + context.topCategories.count)
        numbers += [
            Double(context.referenceMs - sums.lastMs) / dayMs,
            Double(sums.orderSessions),
            sums.revenue,
            Double(sums.purchases),
            sums.orderSessions > 0 ? sums.revenue / Double(sums.orderSessions) : nil,
            Double(sums.events),
            Double(sums.eventsLastDay),
            Double(sums.eventsLastWeek),
            Double(sums.eventsLastMonth),
            Double(sums.activeDays),
            Double(max(0, referenceDay - sums.firstDay)),
            Double(sums.sessions),
            share(sums.events, of: sums.sessions),
            sums.dwellEvents > 0 ? sums.dwellSeconds / Double(sums.dwellEvents) : nil,
            sums.scrollEvents > 0 ? sums.scrollDepth / Double(sums.scrollEvents) : nil,
            topEntry.flatMap { share($0.events, of: sums.events) },
            meanPrice,
            band,
            share(sums.desktop, of: sums.events),
            share(sums.mobile, of: sums.events),
            share(sums.tablet, of: sums.events),
            share(sums.night, of: sums.events),
            share(sums.morning, of: sums.events),
            share(sums.afternoon, of: sums.events),
            share(sums.evening, of: sums.events),
            share(sums.weekday, of: sums.events),
            sums.activeDays >= 2 ? 1 : 0,
            share(sums.abandonedSessions, of: sums.cartSessions),
            context.catalogMarksSales ? share(sums.discounted, of: sums.purchases) : nil,
        ]
        // A person's categories are few: scanning them beats building a dictionary per person.
        for category in context.topCategories {
            var events = 0
            for entry in sums.categories where entry.name == category { events += entry.events }
            numbers.append(share(events, of: sums.events))
        }
        return PersonFeatureRow(
            pseudonym: sums.pseudonym, numbers: numbers, topCategory: topEntry?.name, lastDevice: sums.lastDevice.isEmpty ? nil : sums.lastDevice,
            country: sums.lastCountry.isEmpty ? nil : sums.lastCountry, region: sums.lastRegion.isEmpty ? nil : sums.lastRegion)
    }
}
