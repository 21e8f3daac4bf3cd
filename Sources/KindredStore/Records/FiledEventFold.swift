import GRDB

/// What filing adds to the KPI rollups and the feature store, summed in memory from the rows
/// its `INSERT ... RETURNING` hands back: the same sums `EventSummaries.addEvents` computes from
/// the views `kpi_event_rows` and `person_event_rows`, without reading the batch back four
/// more times (under load that re-reading cost a third of filing). The views stay the
/// definition: imports and rebuilds run them, and a test holds this fold to a rebuild on events
/// of every kind.
///
/// Only the few facts the views take from other tables are looked up: an item's category,
/// price and sale marks (once per item, kept in the writer's `IdentityCache` across batches),
/// and for an event that follows a response, the response's surface, the item's position in
/// it, the model and the experiment (evaluated by SQLite with the views' own expressions).
final class FiledEventFold {
    /// The columns filing's RETURNING clause lists, in the order `add` reads them.
    static let returning =
        "user_pk, type, ts_ms, device, country, price, value, item_pk, session_id, region, local_hour, request_id"

    private let db: Database
    private let items: IdentityCache
    private var kpis: [KPIKey: KPISums] = [:]
    private var personDays: [PersonDay: PersonDaySums] = [:]
    private var personCategoryDays: [PersonCategoryDay: CategorySums] = [:]
    private var personSessionDays: [PersonSessionDay: SessionSums] = [:]
    private var itemDays: [ItemDay: ItemDaySums] = [:]
    private var responses: [String: Response?] = [:]
    private let itemFactsStatement: FastStatement
    private let responseStatement: FastStatement
    private let positionStatement: FastStatement

    init(in db: Database, items: IdentityCache) throws {
        self.db = db
        self.items = items
        itemFactsStatement = try FastStatement(Self.itemFactsSQL, in: db)
        responseStatement = try FastStatement(Self.responseSQL, in: db)
        positionStatement = try FastStatement(Self.positionSQL, in: db)
    }

    /// Adds one filed event; `row` holds the `returning` columns.
    func add(_ row: FastStatement.Row) throws {
        let type = row.text(1) ?? ""
        let ts = row.int64(2)
        let device = row.text(3) ?? ""
        let country = row.text(4) ?? ""
        let price: Double? = row.isNull(5) ? nil : row.double(5)
        let value: Double? = row.isNull(6) ? nil : row.double(6)
        let itemPK: Int64? = row.isNull(7) ? nil : row.int64(7)
        let day = ts / 86_400_000
        let facts = try itemPK.map { try self.facts(of: $0) }
        let counts = EventCounts(type: type, price: price, value: value)

        var key = KPIKey(day: day, device: device, country: country, category: facts?.category ?? "")
        var followed = false
        if let request = row.text(11), let response = try self.response(request) {
            followed = true
            key.surface = response.surface
            key.model = response.model
            key.variant = response.variant
            key.block = response.block
            key.hour = response.hour
            if let itemPK { key.position = try position(of: itemPK, in: request) }
        }
        kpis[key, default: KPISums()].add(counts, followed: followed)

        if let itemPK { itemDays[ItemDay(item: itemPK, day: day), default: ItemDaySums()].add(counts) }

        guard !row.isNull(0) else { return }
        let userPK = row.int64(0)
        let category = facts?.category ?? ""
        let hour = row.isNull(10) ? (ts / 3_600_000) % 24 : row.int64(10)
        // The view's price: the event's own, else the item's.
        let shownPrice = price ?? facts?.price
        let discounted = type == "purchase" && (facts?.onSale == true || facts?.compareAt.isAbove(shownPrice) == true)
        personDays[PersonDay(user: userPK, day: day), default: PersonDaySums()].add(
            counts, ts: ts, hour: hour, weekday: (day + 4) % 7 >= 1 && (day + 4) % 7 <= 5, device: device, country: country,
            region: row.text(9) ?? "", price: shownPrice, discounted: discounted)
        personCategoryDays[PersonCategoryDay(user: userPK, category: category, day: day), default: CategorySums()].add(counts)
        personSessionDays[PersonSessionDay(user: userPK, session: row.text(8) ?? "", day: day), default: SessionSums()].add(counts)
    }

    /// Writes everything added, with the same upserts the SQL fold runs.
    func write() throws {
        let kpi = try FastStatement(Self.kpiUpsert, in: db)
        for (key, sums) in kpis {
            for (dimension, value) in key.dimensions {
                guard let value else { continue }
                try kpi.run { binder in
                    binder.bind(key.day)
                    binder.bind(dimension)
                    binder.bind(value)
                    sums.bind(&binder)
                }
            }
        }
        try upsert(personDays, with: Self.personDayUpsert)
        try upsert(personCategoryDays, with: Self.personCategoryDayUpsert)
        try upsert(personSessionDays, with: Self.personSessionDayUpsert)
        try upsert(itemDays, with: Self.itemDayUpsert)
    }

    /// One upsert per row: the key's columns, then the sums', in the statement's order.
    private func upsert<Key: BoundInOrder, Sums: BoundInOrder>(_ rows: [Key: Sums], with sql: String) throws {
        let statement = try FastStatement(sql, in: db)
        for (key, sums) in rows {
            try statement.run { binder in
                key.bind(&binder)
                sums.bind(&binder)
            }
        }
    }

    // MARK: Facts from other tables

    private func facts(of itemPK: Int64) throws -> ItemFacts {
        if let known = items.itemFacts[itemPK] { return known }
        var found = ItemFacts(category: "", price: nil, onSale: false, compareAt: .none)
        try itemFactsStatement.forEachRow(bind: { $0.bind(itemPK) }) { row in
            found = ItemFacts(
                category: row.text(0) ?? "", price: row.isNull(1) ? nil : row.double(1), onSale: !row.isNull(2) && row.int64(2) == 1,
                compareAt: row.isNull(3) ? .none : (row.isNumeric(3) ? .number(row.double(3)) : .aboveEveryNumber))
        }
        items.itemFacts[itemPK] = found
        return found
    }

    private func response(_ requestID: String) throws -> Response? {
        if let known = responses[requestID] { return known }
        var found: Response?
        try responseStatement.forEachRow(bind: { $0.bind(requestID) }) { row in
            found = Response(surface: row.text(0) ?? "", model: row.text(1) ?? "", variant: row.text(2), block: row.text(3), hour: row.text(4) ?? "")
        }
        responses[requestID] = .some(found)
        return found
    }

    private func position(of itemPK: Int64, in requestID: String) throws -> String? {
        var found: String?
        try positionStatement.forEachRow(bind: { binder in
            binder.bind(requestID)
            binder.bind(itemPK)
        }) { row in found = row.text(0) }
        return found
    }

    /// The sale marks as `person_event_rows` reads them: `on_sale` among 1, true, yes, y; and
    /// `compare_at_price`, which SQLite compares with a price as a number when it is one and
    /// as greater than every number when it is text.
    private static let itemFactsSQL = """
        SELECT category, price, json_extract(attributes, '$.on_sale') IN (1, 'true', 'yes', 'y'),
               json_extract(attributes, '$.compare_at_price')
        FROM items WHERE item_pk = ?
        """
    private static let responseSQL = """
        SELECT surface, coalesce(CAST(model_version AS TEXT), ''), experiment || '/' || variant, block, CAST((ts_ms / 3600000) % 24 AS TEXT)
        FROM impressions WHERE request_id = ?
        """
    private static let positionSQL = """
        SELECT (SELECT CAST(j.key + 1 AS TEXT) FROM json_each(i.items) AS j
                WHERE json_extract(j.value, '$.item_id') = it.item_id ORDER BY j.key LIMIT 1)
        FROM impressions AS i JOIN items AS it ON it.item_pk = ?2
        WHERE i.request_id = ?1
        """

    private static let kpiUpsert = """
        INSERT INTO kpi_rollups (day, dimension, value, events, views, clicks, carts, purchases, revenue, dwell_seconds, dwell_events,
                                 rec_clicks, rec_carts, rec_purchases, rec_revenue)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        \(KPIRollups.eventSumsOnConflict)
        """
    private static let personDayUpsert = """
        INSERT INTO person_days (user_pk, day, events, views, clicks, carts, purchases, returns, discounted, revenue, dwell_events,
                                 dwell_seconds, scroll_events, scroll_depth, priced_events, price_sum, night, morning, afternoon,
                                 evening, weekday, desktop, mobile, tablet, last_ms, last_device, last_country, last_region)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        \(FeatureStore.personDaysOnConflict)
        """
    private static let personCategoryDayUpsert = """
        INSERT INTO person_category_days (user_pk, category, day, events, purchases) VALUES (?, ?, ?, ?, ?)
        \(FeatureStore.personCategoryDaysOnConflict)
        """
    private static let personSessionDayUpsert = """
        INSERT INTO person_session_days (user_pk, session, day, events, carts, purchases) VALUES (?, ?, ?, ?, ?, ?)
        \(FeatureStore.personSessionDaysOnConflict)
        """
    private static let itemDayUpsert = """
        INSERT INTO item_days (item_pk, day, events, views, clicks, carts, purchases, revenue) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        \(FeatureStore.itemDaysOnConflict)
        """
}

/// A key or a set of sums that binds its columns in the order its table's upsert lists them.
private protocol BoundInOrder {
    func bind(_ binder: inout FastStatement.Binder)
}

/// The facts about an item that the summaries read, as of now.
struct ItemFacts {
    /// How `compare_at_price > price` comes out in SQLite.
    enum CompareAt {
        case none
        case number(Double)
        /// Text (or a blob): SQLite orders it above every number.
        case aboveEveryNumber

        /// Whether the marked price is above `price` (never when either is missing).
        func isAbove(_ price: Double?) -> Bool {
            guard let price else { return false }
            switch self {
            case .none: return false
            case .number(let marked): return marked > price
            case .aboveEveryNumber: return true
            }
        }
    }

    var category: String
    var price: Double?
    var onSale: Bool
    var compareAt: CompareAt
}

/// The response an event follows, as `kpi_event_rows` names it.
private struct Response {
    var surface: String
    var model: String
    /// experiment/variant, nil when no experiment decided it.
    var variant: String?
    /// The page's content block, nil for a plain list.
    var block: String?
    /// The UTC hour it was served, as text.
    var hour: String
}

/// One event's contribution as the views define it.
private struct EventCounts {
    var view = false, click = false, cart = false, purchase = false, returned = false
    var revenue = 0.0
    var dwellSeconds: Double?
    var scrollDepth: Double?

    init(type: String, price: Double?, value: Double?) {
        switch type {
        case "view": view = true
        case "click": click = true
        case "add_to_cart": cart = true
        case "purchase": purchase = true
        case "return": returned = true
        case "dwell": if let value, value >= 0 { dwellSeconds = value }
        case "scroll": if let value, value >= 0, value <= 1 { scrollDepth = value }
        default: break
        }
        let sign: Double = purchase ? 1 : (returned ? -1 : 0)
        revenue = sign * (price ?? 0) * (value ?? 1)
    }
}

private struct KPIKey: Hashable {
    var day: Int64
    var device: String
    var country: String
    var category: String
    var surface: String?
    var position: String?
    var model: String?
    var variant: String?
    var block: String?
    var hour: String?

    /// The value this group counts under in each dimension; nil where it does not count.
    var dimensions: [(String, String?)] {
        [
            ("all", ""), ("device", device), ("country", country), ("category", category), ("surface", surface),
            ("position", position), ("model", model), ("variant", variant), ("block", block), ("hour", hour),
        ]
    }
}

private struct KPISums {
    var events = 0, views = 0, clicks = 0, carts = 0, purchases = 0, dwellEvents = 0
    var revenue = 0.0, dwellSeconds = 0.0
    var recClicks = 0, recCarts = 0, recPurchases = 0
    var recRevenue = 0.0

    mutating func add(_ counts: EventCounts, followed: Bool) {
        events += 1
        if counts.view { views += 1 }
        if counts.click { clicks += 1 }
        if counts.cart { carts += 1 }
        if counts.purchase { purchases += 1 }
        revenue += counts.revenue
        if let seconds = counts.dwellSeconds {
            dwellEvents += 1
            dwellSeconds += seconds
        }
        guard followed else { return }
        if counts.click { recClicks += 1 }
        if counts.cart { recCarts += 1 }
        if counts.purchase { recPurchases += 1 }
        recRevenue += counts.revenue
    }

    func bind(_ binder: inout FastStatement.Binder) {
        binder.bind(events)
        binder.bind(views)
        binder.bind(clicks)
        binder.bind(carts)
        binder.bind(purchases)
        binder.bind(revenue)
        binder.bind(dwellSeconds)
        binder.bind(dwellEvents)
        binder.bind(recClicks)
        binder.bind(recCarts)
        binder.bind(recPurchases)
        binder.bind(recRevenue)
    }
}

private struct PersonDay: Hashable, BoundInOrder {
    var user: Int64
    var day: Int64

    func bind(_ binder: inout FastStatement.Binder) {
        binder.bind(user)
        binder.bind(day)
    }
}

private struct PersonDaySums: BoundInOrder {
    var events = 0, views = 0, clicks = 0, carts = 0, purchases = 0, returns = 0, discounted = 0
    var revenue = 0.0
    var dwellEvents = 0, scrollEvents = 0, pricedEvents = 0
    var dwellSeconds = 0.0, scrollDepth = 0.0, priceSum = 0.0
    var night = 0, morning = 0, afternoon = 0, evening = 0, weekday = 0
    var desktop = 0, mobile = 0, tablet = 0
    var lastMs = Int64.min
    var lastDevice = "", lastCountry = "", lastRegion = ""

    mutating func add(
        _ counts: EventCounts, ts: Int64, hour: Int64, weekday isWeekday: Bool, device: String, country: String, region: String,
        price: Double?, discounted isDiscounted: Bool
    ) {
        events += 1
        if counts.view { views += 1 }
        if counts.click { clicks += 1 }
        if counts.cart { carts += 1 }
        if counts.purchase { purchases += 1 }
        if counts.returned { returns += 1 }
        if isDiscounted { discounted += 1 }
        revenue += counts.revenue
        if let seconds = counts.dwellSeconds {
            dwellEvents += 1
            dwellSeconds += seconds
        }
        if let depth = counts.scrollDepth {
            scrollEvents += 1
            scrollDepth += depth
        }
        if let price, price > 0 {
            pricedEvents += 1
            priceSum += price
        }
        switch hour {
        case 0...5: night += 1
        case 6...11: morning += 1
        case 12...17: afternoon += 1
        case 18...23: evening += 1
        default: break
        }
        if isWeekday { weekday += 1 }
        switch device {
        case "desktop": desktop += 1
        case "mobile": mobile += 1
        case "tablet": tablet += 1
        default: break
        }
        // The day's latest event describes it; the first of equal times, as max() picks.
        if ts > lastMs {
            lastMs = ts
            lastDevice = device
            lastCountry = country
            lastRegion = region
        }
    }

    func bind(_ binder: inout FastStatement.Binder) {
        for count in [events, views, clicks, carts, purchases, returns, discounted] { binder.bind(count) }
        binder.bind(revenue)
        binder.bind(dwellEvents)
        binder.bind(dwellSeconds)
        binder.bind(scrollEvents)
        binder.bind(scrollDepth)
        binder.bind(pricedEvents)
        binder.bind(priceSum)
        for count in [night, morning, afternoon, evening, weekday, desktop, mobile, tablet] { binder.bind(count) }
        binder.bind(lastMs)
        binder.bind(lastDevice)
        binder.bind(lastCountry)
        binder.bind(lastRegion)
    }
}

private struct PersonCategoryDay: Hashable, BoundInOrder {
    var user: Int64
    var category: String
    var day: Int64

    func bind(_ binder: inout FastStatement.Binder) {
        binder.bind(user)
        binder.bind(category)
        binder.bind(day)
    }
}

private struct CategorySums: BoundInOrder {
    var events = 0, purchases = 0

    mutating func add(_ counts: EventCounts) {
        events += 1
        if counts.purchase { purchases += 1 }
    }

    func bind(_ binder: inout FastStatement.Binder) {
        binder.bind(events)
        binder.bind(purchases)
    }
}

private struct PersonSessionDay: Hashable, BoundInOrder {
    var user: Int64
    var session: String
    var day: Int64

    func bind(_ binder: inout FastStatement.Binder) {
        binder.bind(user)
        binder.bind(session)
        binder.bind(day)
    }
}

private struct SessionSums: BoundInOrder {
    var events = 0, carts = 0, purchases = 0

    mutating func add(_ counts: EventCounts) {
        events += 1
        if counts.cart { carts += 1 }
        if counts.purchase { purchases += 1 }
    }

    func bind(_ binder: inout FastStatement.Binder) {
        binder.bind(events)
        binder.bind(carts)
        binder.bind(purchases)
    }
}

private struct ItemDay: Hashable, BoundInOrder {
    var item: Int64
    var day: Int64

    func bind(_ binder: inout FastStatement.Binder) {
        binder.bind(item)
        binder.bind(day)
    }
}

private struct ItemDaySums: BoundInOrder {
    var events = 0, views = 0, clicks = 0, carts = 0, purchases = 0
    var revenue = 0.0

    mutating func add(_ counts: EventCounts) {
        events += 1
        if counts.view { views += 1 }
        if counts.click { clicks += 1 }
        if counts.cart { carts += 1 }
        if counts.purchase { purchases += 1 }
        revenue += counts.revenue
    }

    func bind(_ binder: inout FastStatement.Binder) {
        binder.bind(events)
        binder.bind(views)
        binder.bind(clicks)
        binder.bind(carts)
        binder.bind(purchases)
        binder.bind(revenue)
    }
}
