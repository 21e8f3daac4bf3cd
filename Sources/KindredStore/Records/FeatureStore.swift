import GRDB

/// The feature store's daily sums (migration 0011): per person, per person and category, per
/// person and session, per item. The view `person_event_rows` decides what each event adds;
/// this folds it in and reads the sums back over a range of days. Features themselves are
/// computed from these sums by the engine, so that "as of" any day is one query.
public enum FeatureStore {
    /// Folds the events stored after `mark` into the daily sums (same transaction as the events).
    public static func addEvents(after mark: Int64, in db: Database) throws {
        for sql in foldSQL { try db.cachedStatement(sql: sql).execute(arguments: [mark]) }
    }

    /// Recomputes every sum from the events stored now; returns the person-day rows written.
    /// People erased since are already gone (their rows cascade); events expired by retention
    /// no longer count.
    @discardableResult
    public static func rebuild(in db: Database) throws -> Int {
        for table in ["person_days", "person_category_days", "person_session_days", "item_days"] {
            try db.execute(sql: "DELETE FROM \(table)")
        }
        try addEvents(after: Int64.min, in: db)
        return try Int.fetchOne(db, sql: "SELECT count(*) FROM person_days") ?? 0
    }

    /// Forgets the sums of days before `day`, as retention forgets the events they came from.
    public static func forget(before day: Int64, in db: Database) throws {
        for table in ["person_days", "person_category_days", "person_session_days", "item_days"] {
            try db.execute(sql: "DELETE FROM \(table) WHERE day < ?", arguments: [day])
        }
    }

    /// One person's sums over a range of days.
    public struct PersonSums: Sendable, Equatable {
        public var userPK: Int64 = 0
        public var pseudonym = ""
        public var events = 0
        public var views = 0
        public var clicks = 0
        public var carts = 0
        public var purchases = 0
        public var returns = 0
        public var discounted = 0
        public var revenue = 0.0
        public var dwellEvents = 0
        public var dwellSeconds = 0.0
        public var scrollEvents = 0
        public var scrollDepth = 0.0
        public var pricedEvents = 0
        public var priceSum = 0.0
        public var night = 0
        public var morning = 0
        public var afternoon = 0
        public var evening = 0
        public var weekday = 0
        public var desktop = 0
        public var mobile = 0
        public var tablet = 0
        public var activeDays = 0
        public var firstDay: Int64 = 0
        public var lastMs: Int64 = 0
        public var lastDevice = ""
        public var lastCountry = ""
        public var lastRegion = ""
        /// Events in the last 1, 7 and 30 days of the range.
        public var eventsLastDay = 0
        public var eventsLastWeek = 0
        public var eventsLastMonth = 0
        public var sessions = 0
        /// Sessions with a purchase (orders), with a cart, with a cart and no purchase.
        public var orderSessions = 0
        public var cartSessions = 0
        public var abandonedSessions = 0
        /// Events and purchases per category, most events first (ties by name).
        public var categories: [(name: String, events: Int, purchases: Int)] = []

        public init() {}

        public static func == (a: PersonSums, b: PersonSums) -> Bool {
            a.userPK == b.userPK && a.events == b.events && a.revenue == b.revenue && a.sessions == b.sessions
                && a.lastMs == b.lastMs && a.categories.map(\.name) == b.categories.map(\.name)
                && a.categories.map(\.events) == b.categories.map(\.events)
        }
    }

    /// Every person's sums over the days before `beforeDay` (all of them when nil: now), or one
    /// person's when `userPK` is given, in ascending user_pk. Windows (last day, week, month)
    /// end at `beforeDay`, or at `today + 1` when that is nil.
    ///
    /// `categoryEvents` receives every category's events over the people read: over everyone,
    /// the shop's totals that `topCategories` computes, without a second pass over the days.
    public static func personSums(
        beforeDay: Int64?, today: Int64, userPK: Int64? = nil, userPKs: [Int64]? = nil,
        categoryEvents: inout [String: Int], in db: Database
    ) throws -> [PersonSums] {
        let end = beforeDay ?? today + 1
        // The person condition on a column, its parameter at `index`, and its one binding: the
        // statements are bound through the C API, by position. A list of people is one JSON
        // parameter: read connections cannot make temporary tables.
        let peopleJSON = userPKs.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }
        func personCondition(_ column: String, parameter index: Int) -> String {
            if userPK != nil { return "AND \(column) = ?\(index)" }
            if peopleJSON != nil { return "AND \(column) IN (SELECT value FROM json_each(?\(index)))" }
            return ""
        }
        func bindPeople(_ binder: inout FastStatement.Binder) {
            if let userPK {
                binder.bind(userPK)
            } else if let peopleJSON {
                binder.bind(peopleJSON)
            }
        }
        let positionalPerson = personCondition("d.user_pk", parameter: 2)
        var result: [PersonSums] = []
        // Room for everyone up front: growing an array of a million large rows copies it again and again.
        let capacity = try userPKs?.count ?? (userPK == nil ? Int.fetchOne(db, sql: "SELECT count(*) FROM users") ?? 0 : 1)
        result.reserveCapacity(capacity)
        // The day statements: the end of the range, then the people.
        func bindPerson(_ binder: inout FastStatement.Binder) {
            binder.bind(end)
            bindPeople(&binder)
        }
        // The days in key order (person, day), summed here: SQLite's 29 aggregates per group cost
        // several times more than reading the columns. The latest day's last event gives the
        // person's last time and context.
        var binding = try FastStatement(
            """
            SELECT d.user_pk, d.day, d.events, d.views, d.clicks, d.carts, d.purchases, d.returns, d.discounted, d.revenue,
                   d.dwell_events, d.dwell_seconds, d.scroll_events, d.scroll_depth, d.priced_events, d.price_sum, d.night,
                   d.morning, d.afternoon, d.evening, d.weekday, d.desktop, d.mobile, d.tablet, d.last_ms, d.last_device,
                   d.last_country, d.last_region
            FROM person_days AS d WHERE d.day < ?1 \(positionalPerson)
            ORDER BY d.user_pk, d.day
            """, in: db)
        var sums = PersonSums()
        var hasPerson = false
        try binding.forEachRow(bind: bindPerson) { row in
            let pk = row.int64(0)
            if !hasPerson || pk != sums.userPK {
                if hasPerson { result.append(sums) }
                sums = PersonSums()
                sums.userPK = pk
                sums.firstDay = row.int64(1)
                sums.lastMs = Int64.min
                hasPerson = true
            }
            let day = row.int64(1)
            let events = Int(row.int64(2))
            sums.events += events
            sums.views += Int(row.int64(3))
            sums.clicks += Int(row.int64(4))
            sums.carts += Int(row.int64(5))
            sums.purchases += Int(row.int64(6))
            sums.returns += Int(row.int64(7))
            sums.discounted += Int(row.int64(8))
            sums.revenue += row.double(9)
            sums.dwellEvents += Int(row.int64(10))
            sums.dwellSeconds += row.double(11)
            sums.scrollEvents += Int(row.int64(12))
            sums.scrollDepth += row.double(13)
            sums.pricedEvents += Int(row.int64(14))
            sums.priceSum += row.double(15)
            sums.night += Int(row.int64(16))
            sums.morning += Int(row.int64(17))
            sums.afternoon += Int(row.int64(18))
            sums.evening += Int(row.int64(19))
            sums.weekday += Int(row.int64(20))
            sums.desktop += Int(row.int64(21))
            sums.mobile += Int(row.int64(22))
            sums.tablet += Int(row.int64(23))
            sums.activeDays += 1
            if day >= end - 1 { sums.eventsLastDay += events }
            if day >= end - 7 { sums.eventsLastWeek += events }
            if day >= end - 30 { sums.eventsLastMonth += events }
            let lastMs = row.int64(24)
            if lastMs > sums.lastMs {
                sums.lastMs = lastMs
                sums.lastDevice = row.text(25) ?? ""
                sums.lastCountry = row.text(26) ?? ""
                sums.lastRegion = row.text(27) ?? ""
            }
        }
        if hasPerson { result.append(sums) }
        // Pseudonyms, merged in by key order (a lookup per day row would cost a search each).
        binding = try FastStatement(
            "SELECT user_pk, pseudonym FROM users WHERE true \(personCondition("user_pk", parameter: 1)) ORDER BY user_pk", in: db)
        var next = 0
        try binding.forEachRow(bind: bindPeople) { row in
            let pk = row.int64(0)
            while next < result.count, result[next].userPK < pk { next += 1 }
            if next < result.count, result[next].userPK == pk { result[next].pseudonym = row.text(1) ?? "" }
        }
        // The person rows below belong to, found by key: every statement reads in ascending
        // user_pk, so the search mostly steps to the next person.
        var cursor = 0
        func index(of pk: Int64) -> Int? {
            if cursor < result.count, result[cursor].userPK == pk { return cursor }
            if cursor + 1 < result.count, result[cursor + 1].userPK == pk {
                cursor += 1
                return cursor
            }
            var low = 0, high = result.count
            while low < high {
                let middle = (low + high) / 2
                if result[middle].userPK < pk { low = middle + 1 } else { high = middle }
            }
            guard low < result.count, result[low].userPK == pk else { return nil }
            cursor = low
            return low
        }
        // A session counts once however many days it spans; events without one count as one
        // session per day. Rows come in key order (person, session, day), so that a session is
        // a run of rows and no sort is needed.
        binding = try FastStatement(
            """
            SELECT d.user_pk, d.session, d.day, d.carts, d.purchases FROM person_session_days AS d
            WHERE d.day < ?1 \(positionalPerson)
            ORDER BY d.user_pk, d.session, d.day
            """, in: db)
        var tally = SessionTally()
        try binding.forEachRow(bind: bindPerson) { row in
            let userPK = row.int64(0)
            let session = row.text(1) ?? ""
            let day = row.int64(2)
            if let finished = tally.add(userPK: userPK, session: session, day: day, carts: row.int64(3), purchases: row.int64(4)),
                let index = index(of: finished.userPK)
            {
                finished.apply(to: &result[index])
            }
        }
        if let last = tally.finish(), let index = index(of: last.userPK) { last.apply(to: &result[index]) }
        // Each person's categories in key order (no sort over everyone, and runs of days summed
        // here rather than by SQLite's GROUP BY), then most events first (ties by name, in the
        // byte order SQLite compares text in).
        binding = try FastStatement(
            """
            SELECT d.user_pk, d.category, d.events, d.purchases
            FROM person_category_days AS d WHERE d.day < ?1 \(positionalPerson)
            ORDER BY d.user_pk, d.category, d.day
            """, in: db)
        var run: (userPK: Int64, bytes: [UInt8], name: String, events: Int, purchases: Int)?
        func closeRun() {
            guard let run, let index = index(of: run.userPK) else { return }
            result[index].categories.append((run.name, run.events, run.purchases))
            if !run.name.isEmpty { categoryEvents[run.name, default: 0] += run.events }
        }
        try binding.forEachRow(bind: bindPerson) { row in
            let pk = row.int64(0)
            if run == nil || run!.userPK != pk || !row.text(1, equals: run!.bytes) {
                closeRun()
                run = (pk, row.textBytes(1), row.text(1) ?? "", 0, 0)
            }
            run!.events += Int(row.int64(2))
            run!.purchases += Int(row.int64(3))
        }
        closeRun()
        for index in result.indices where result[index].categories.count > 1 {
            result[index].categories.sort { a, b in
                a.events != b.events ? a.events > b.events : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
            }
        }
        return result
    }

    /// The shop's categories by events over the same days, most first: which categories the
    /// affinity columns name.
    public static func topCategories(beforeDay: Int64?, today: Int64, limit: Int, in db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT category FROM person_category_days WHERE day < ? AND category <> ''
                GROUP BY category ORDER BY sum(events) DESC, category LIMIT ?
                """, arguments: [beforeDay ?? today + 1, limit])
    }

    /// The top `limit` of category totals, ordered as `topCategories` orders them (most events,
    /// ties by name in SQLite's byte order).
    public static func topCategories(of totals: [String: Int], limit: Int) -> [String] {
        totals.sorted { a, b in a.value != b.value ? a.value > b.value : a.key.utf8.lexicographicallyPrecedes(b.key.utf8) }
            .prefix(limit).map(\.key)
    }

    /// Catalog prices (items in the catalog with a positive price), ascending: price bands.
    public static func catalogPrices(in db: Database) throws -> [Double] {
        try Double.fetchAll(db, sql: "SELECT price FROM items WHERE catalog_ms IS NOT NULL AND price > 0 ORDER BY price")
    }

    /// One item's sums over windows ending before `end` (days since 1970): what item features
    /// are computed from.
    public struct ItemSums: Sendable, Equatable {
        public var itemID = ""
        public var title: String?
        public var category: String?
        public var price: Double?
        public var createdMs: Int64 = 0
        public var events30 = 0
        public var eventsLastWeek = 0
        public var eventsWeekBefore = 0
        public var views = 0
        public var purchases = 0
        public var revenue = 0.0
    }

    /// Every item with an event in the 30 days before `end`, or in the catalog, by item id.
    public static func itemSums(end: Int64, in db: Database) throws -> [ItemSums] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT i.item_id, i.title, i.category, i.price, i.created_ms,
                       coalesce(sum(d.events), 0), coalesce(sum(CASE WHEN d.day >= :end - 7 THEN d.events END), 0),
                       coalesce(sum(CASE WHEN d.day >= :end - 14 AND d.day < :end - 7 THEN d.events END), 0),
                       coalesce(sum(d.views), 0), coalesce(sum(d.purchases), 0), coalesce(total(d.revenue), 0)
                FROM items AS i
                LEFT JOIN item_days AS d ON d.item_pk = i.item_pk AND d.day >= :end - 30 AND d.day < :end
                WHERE i.catalog_ms IS NOT NULL OR d.item_pk IS NOT NULL
                GROUP BY i.item_pk ORDER BY i.item_id
                """, arguments: ["end": end]
        ).map { row in
            var sums = ItemSums()
            sums.itemID = row[0]
            sums.title = row[1]
            sums.category = row[2]
            sums.price = row[3]
            sums.createdMs = row[4]
            sums.events30 = row[5]
            sums.eventsLastWeek = row[6]
            sums.eventsWeekBefore = row[7]
            sums.views = row[8]
            sums.purchases = row[9]
            sums.revenue = row[10]
            return sums
        }
    }

    /// Whether any catalog item says it is on sale (attributes on_sale or compare_at_price).
    public static func catalogMarksSales(in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT EXISTS (SELECT 1 FROM items WHERE json_extract(attributes, '$.on_sale') IS NOT NULL
                                                   OR json_extract(attributes, '$.compare_at_price') IS NOT NULL)
                """) ?? false
    }

    /// The folding statements, in order; each binds the mark as its only argument.
    static let foldSQL = [
        """
        INSERT INTO person_days (user_pk, day, events, views, clicks, carts, purchases, returns, discounted, revenue, dwell_events,
                                 dwell_seconds, scroll_events, scroll_depth, priced_events, price_sum, night, morning, afternoon,
                                 evening, weekday, desktop, mobile, tablet, last_ms, last_device, last_country, last_region)
        SELECT user_pk, day, count(*), sum(views), sum(clicks), sum(carts), sum(purchases), sum(returns), sum(discounted),
               total(revenue), sum(dwell_events), total(dwell_seconds), sum(scroll_events), total(scroll_depth),
               sum(priced_events), total(price_sum), sum(hour BETWEEN 0 AND 5), sum(hour BETWEEN 6 AND 11),
               sum(hour BETWEEN 12 AND 17), sum(hour BETWEEN 18 AND 23), sum(weekday), sum(device = 'desktop'),
               sum(device = 'mobile'), sum(device = 'tablet'), max(ts_ms), device, country, region
        FROM person_event_rows WHERE event_pk > ?
        GROUP BY user_pk, day
        \(personDaysOnConflict)
        """,
        """
        INSERT INTO person_category_days (user_pk, category, day, events, purchases)
        SELECT user_pk, category, day, count(*), sum(purchases)
        FROM person_event_rows WHERE event_pk > ?
        GROUP BY user_pk, category, day
        \(personCategoryDaysOnConflict)
        """,
        """
        INSERT INTO person_session_days (user_pk, session, day, events, carts, purchases)
        SELECT user_pk, session, day, count(*), sum(carts), sum(purchases)
        FROM person_event_rows WHERE event_pk > ?
        GROUP BY user_pk, session, day
        \(personSessionDaysOnConflict)
        """,
        """
        INSERT INTO item_days (item_pk, day, events, views, clicks, carts, purchases, revenue)
        SELECT item_pk, ts_ms / 86400000, count(*), sum(type = 'view'), sum(type = 'click'), sum(type = 'add_to_cart'),
               sum(type = 'purchase'),
               total(CASE type WHEN 'purchase' THEN 1 WHEN 'return' THEN -1 ELSE 0 END * coalesce(price, 0) * coalesce(value, 1))
        FROM events WHERE event_pk > ? AND item_pk IS NOT NULL
        GROUP BY item_pk, ts_ms / 86400000
        \(itemDaysOnConflict)
        """,
    ]
    /// How a new batch's sums join a table's existing rows: what filing's fold (`FiledEventFold`)
    /// and the statements above both add with.
    static let personDaysOnConflict = """
        ON CONFLICT (user_pk, day) DO UPDATE SET
            events = events + excluded.events, views = views + excluded.views, clicks = clicks + excluded.clicks,
            carts = carts + excluded.carts, purchases = purchases + excluded.purchases, returns = returns + excluded.returns,
            discounted = discounted + excluded.discounted, revenue = revenue + excluded.revenue,
            dwell_events = dwell_events + excluded.dwell_events, dwell_seconds = dwell_seconds + excluded.dwell_seconds,
            scroll_events = scroll_events + excluded.scroll_events, scroll_depth = scroll_depth + excluded.scroll_depth,
            priced_events = priced_events + excluded.priced_events, price_sum = price_sum + excluded.price_sum,
            night = night + excluded.night, morning = morning + excluded.morning, afternoon = afternoon + excluded.afternoon,
            evening = evening + excluded.evening, weekday = weekday + excluded.weekday, desktop = desktop + excluded.desktop,
            mobile = mobile + excluded.mobile, tablet = tablet + excluded.tablet,
            last_device = CASE WHEN excluded.last_ms >= last_ms THEN excluded.last_device ELSE last_device END,
            last_country = CASE WHEN excluded.last_ms >= last_ms THEN excluded.last_country ELSE last_country END,
            last_region = CASE WHEN excluded.last_ms >= last_ms THEN excluded.last_region ELSE last_region END,
            last_ms = max(last_ms, excluded.last_ms)
        """
    static let personCategoryDaysOnConflict = """
        ON CONFLICT (user_pk, category, day) DO UPDATE SET
            events = events + excluded.events, purchases = purchases + excluded.purchases
        """
    static let personSessionDaysOnConflict = """
        ON CONFLICT (user_pk, session, day) DO UPDATE SET
            events = events + excluded.events, carts = carts + excluded.carts, purchases = purchases + excluded.purchases
        """
    static let itemDaysOnConflict = """
        ON CONFLICT (item_pk, day) DO UPDATE SET
            events = events + excluded.events, views = views + excluded.views, clicks = clicks + excluded.clicks,
            carts = carts + excluded.carts, purchases = purchases + excluded.purchases, revenue = revenue + excluded.revenue
        """
}

/// Sessions counted from `person_session_days` rows in key order: a session is a run of rows
/// with the same person and session id (and, for events without one, the same day).
private struct SessionTally {
    struct Person {
        var userPK: Int64
        var sessions = 0
        var orders = 0
        var carts = 0
        var abandoned = 0

        func apply(to sums: inout FeatureStore.PersonSums) {
            sums.sessions = sessions
            sums.orderSessions = orders
            sums.cartSessions = carts
            sums.abandonedSessions = abandoned
        }
    }

    private var person: Person?
    private var session: (id: String, day: Int64?)?
    private var carts: Int64 = 0
    private var purchases: Int64 = 0

    /// Adds a row; returns a person whose rows have all been seen.
    mutating func add(userPK: Int64, session id: String, day: Int64, carts: Int64, purchases: Int64) -> Person? {
        var finished: Person?
        let key = (id: id, day: id.isEmpty ? Optional(day) : nil)
        if person?.userPK != userPK {
            closeSession()
            finished = person
            person = Person(userPK: userPK)
        } else if let current = session, current.id != key.id || current.day != key.day {
            closeSession()
        }
        if session == nil { session = key }
        self.carts += carts
        self.purchases += purchases
        return finished
    }

    /// The last person, once every row has been added.
    mutating func finish() -> Person? {
        closeSession()
        defer { person = nil }
        return person
    }

    private mutating func closeSession() {
        guard session != nil, person != nil else { return }
        person!.sessions += 1
        if purchases > 0 { person!.orders += 1 }
        if carts > 0 { person!.carts += 1 }
        if carts > 0 && purchases == 0 { person!.abandoned += 1 }
        session = nil
        carts = 0
        purchases = 0
    }
}
