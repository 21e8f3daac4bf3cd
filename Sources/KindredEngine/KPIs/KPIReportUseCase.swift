import KindredStore

/// One row of a KPI report: the sums of a day, a value of the breakdown, or both, and the
/// rates made of them (nil where the denominator is zero).
public struct KPIRow: Sendable, Codable, Equatable {
    public var day: String?
    public var value: String?
    /// Nil for category, which splits each response among the categories it showed.
    public var lists: Int?
    public var impressions: Int
    public var recommendationClicks: Int
    public var ctr: Double?
    public var recommendationCarts: Int
    public var recommendationPurchases: Int
    public var conversion: Double?
    public var recommendationRevenue: Double
    /// Nil for breakdowns that only count events that followed a response (surface, position,
    /// model, variant): they have no total to be a share of.
    public var revenueShare: Double?
    public var events: Int
    public var views: Int
    public var clicks: Int
    public var carts: Int
    public var purchases: Int
    public var revenue: Double
    public var meanDwellSeconds: Double?

    init(day: String?, value: String?, sums: KPIRollups.Sums, dimension: KPIQuery.Dimension?) {
        self.day = day
        self.value = value
        lists = dimension == .category ? nil : sums.lists
        impressions = sums.impressions
        recommendationClicks = sums.recommendationClicks
        ctr = sums.impressions > 0 ? Double(sums.recommendationClicks) / Double(sums.impressions) : nil
        recommendationCarts = sums.recommendationCarts
        recommendationPurchases = sums.recommendationPurchases
        conversion = sums.recommendationClicks > 0 ? Double(sums.recommendationPurchases) / Double(sums.recommendationClicks) : nil
        recommendationRevenue = sums.recommendationRevenue
        let hasTotals = dimension.map { [.device, .country, .category].contains($0) } ?? true
        revenueShare = hasTotals && sums.revenue > 0 ? sums.recommendationRevenue / sums.revenue : nil
        events = sums.events
        views = sums.views
        clicks = sums.clicks
        carts = sums.carts
        purchases = sums.purchases
        revenue = sums.revenue
        meanDwellSeconds = sums.dwellEvents > 0 ? sums.dwellSeconds / Double(sums.dwellEvents) : nil
    }
}

/// What `kindred kpis` prints and `GET /v1/kpis` returns.
public struct KPIReport: Sendable, Codable, Equatable {
    public var from: String
    public var to: String
    public var by: KPIQuery.Dimension?
    public var daily: Bool
    public var rows: [KPIRow]
    public var totals: KPIRow
    /// Acknowledged events still in the inbox: counted once they are filed, seconds from now.
    public var eventsWaiting: Int
    /// Where the numbers come from and what each rate divides, so that nobody has to guess.
    public var source: String
    public var definitions: [String: String]

    static let definitions = [
        "day": "a UTC day",
        "lists": "recommendation responses logged",
        "impressions": "items shown in those responses",
        "recommendation_clicks": "clicks that carry the request id of a logged response",
        "ctr": "recommendation_clicks / impressions",
        "conversion": "recommendation_purchases / recommendation_clicks",
        "recommendation_revenue": "revenue of purchases (less returns) that carry the request id of a logged response",
        "revenue_share": "recommendation_revenue / revenue, for the whole shop and by device, country or category",
        "revenue": "price x quantity of purchases less returns",
        "mean_dwell_seconds": "seconds per dwell event",
        "surface, position, model, variant, block, hour": "count only the events that followed a logged response",
        "hour": "the UTC hour (0 to 23) the response was served",
    ]
}

extension Engine {
    /// Daily KPIs from the rollups that filing and imports keep (`kpi_rollups`): a few rows per
    /// day whatever the number of events, so the report answers in milliseconds.
    public func kpis(_ query: KPIQuery) throws -> KPIReport {
        try query.check()
        let today = clock.now() / 86_400_000
        return try database.writer.read { db in
            let period = query.period(latestCountedDay: try KPIRollups.dayRange(in: db)?.upperBound, today: today)
            let dimension = query.by?.rawValue ?? "all"
            let stored = try KPIRollups.rows(dimension: dimension, days: period, perDay: query.by == nil || query.daily, in: db)
            let totals = stored.reduce(KPIRollups.Sums()) { $0 + $1.sums }
            var rows: [KPIRow]
            if query.by == nil {
                // Every day of the period, the quiet ones too: a chart must not skip them.
                let byDay = Dictionary(stored.map { ($0.day!, $0.sums) }, uniquingKeysWith: +)
                rows = period.map { KPIRow(day: KPIQuery.format($0), value: nil, sums: byDay[$0] ?? KPIRollups.Sums(), dimension: nil) }
            } else {
                rows = stored.map { KPIRow(day: $0.day.map(KPIQuery.format), value: $0.value, sums: $0.sums, dimension: query.by) }
                if query.by == .position || query.by == .hour {
                    // Positions and hours in their order, per day when daily.
                    rows.sort { ($0.day ?? "", Int($0.value ?? "") ?? .max) < ($1.day ?? "", Int($1.value ?? "") ?? .max) }
                } else if !query.daily {
                    // The largest first.
                    rows.sort { ($0.impressions, $0.events, $1.value ?? "") > ($1.impressions, $1.events, $0.value ?? "") }
                }
            }
            let overall = try query.by.map { _ in
                try KPIRollups.rows(dimension: "all", days: period, perDay: false, in: db).first?.sums ?? KPIRollups.Sums()
            }
            return KPIReport(
                from: KPIQuery.format(period.lowerBound), to: KPIQuery.format(period.upperBound), by: query.by, daily: query.daily, rows: rows,
                totals: KPIRow(day: nil, value: nil, sums: overall ?? totals, dimension: nil),
                eventsWaiting: try KPIRollups.eventsWaiting(in: db),
                source: "kpi_rollups (views daily_kpis, daily_kpis_by), kept by filing and imports", definitions: KPIReport.definitions)
        }
    }

    /// Recounts the rollups from the events and impressions stored now (after a change to how
    /// they count, or to leave out what was erased). Audited.
    public func rebuildKPIs() throws -> Int {
        try database.writer.write { db in
            let rows = try KPIRollups.rebuild(in: db)
            try AuditLog.append(action: "kpis_rebuild", actor: actor, details: ["rows": rows], in: db, nowMs: clock.now())
            return rows
        }
    }
}
