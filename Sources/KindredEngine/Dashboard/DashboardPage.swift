import KindredStore

/// How a panel's numbers read: the renderer formats axes, labels and tables by it.
public enum ValueFormat: String, Sendable {
    case count, rate, money, hours, seconds, plain
}

/// What a panel draws from its query's result. Column names refer to the result's columns.
public enum PanelChart: Sendable {
    /// One line per column in `series`, over `x` (days, versions, hours).
    case lines(x: String, series: [String], format: ValueFormat)
    /// One line per value of `group`, each drawing `value` over `x`: small multiples when many.
    case linesByGroup(x: String, group: String, value: String, format: ValueFormat)
    /// The same, with each line's interval (`low` to `high`) drawn as a band around it.
    case bandsByGroup(x: String, group: String, value: String, low: String, high: String, format: ValueFormat)
    /// One bar per row.
    case bars(label: String, value: String, format: ValueFormat)
    /// An estimate with its interval per row (experiment effects), around a zero line.
    case intervals(label: String, estimate: String, low: String, high: String, format: ValueFormat)
    /// The first row's figures beside the second row's (this period against the previous one).
    case comparison(figures: [(column: String, format: ValueFormat)])
    /// The rows as a table, no chart.
    case table
}

/// One chart or table of a dashboard page: what it shows, the query that produced it (shown on
/// the page, runnable at the `sqlite3` prompt) and that query's result, which is all it draws.
public struct DashboardPanel: Sendable {
    /// Unique within its page: the anchor and the CSV download's name.
    public var id: String
    public var title: String
    /// What the numbers mean, in a sentence: how each rate divides, what counts.
    public var note: String
    public var chart: PanelChart
    public var query: ShownQuery
    public var result: QueryResult

    public init(id: String, title: String, note: String, chart: PanelChart, query: ShownQuery, result: QueryResult) {
        self.id = id
        self.title = title
        self.note = note
        self.chart = chart
        self.query = query
        self.result = result
    }
}

extension DashboardPanel {
    /// An experiment's stored effects (`ExperimentQueries.results`): each variant's relative
    /// effect per metric with its interval.
    static func effects(id: String, title: String, note: String, query: ShownQuery, result: QueryResult) -> DashboardPanel {
        DashboardPanel(
            id: id, title: title, note: note,
            chart: .intervals(label: "variant", estimate: "relative_effect", low: "relative_ci_low", high: "relative_ci_high", format: .rate),
            query: query, result: result)
    }
}

/// The days a page covers: the period and the one before it, of the same length.
public struct DashboardPeriod: Sendable, Equatable {
    public var days: ClosedRange<Int64>
    public var previous: ClosedRange<Int64> {
        let length = days.upperBound - days.lowerBound + 1
        return (days.lowerBound - length)...(days.lowerBound - 1)
    }
    public var length: Int { Int(days.upperBound - days.lowerBound + 1) }
    public var from: String { KPIQuery.format(days.lowerBound) }
    public var to: String { KPIQuery.format(days.upperBound) }

    /// The lengths a page offers.
    public static let choices = [7, 14, 30, 90]
}

/// A dashboard page: its panels in order, and the period they cover.
public struct DashboardPage: Sendable {
    public var title: String
    public var period: DashboardPeriod?
    public var panels: [DashboardPanel]
    /// Sentences above the panels: what is wrong or worth knowing now.
    public var notices: [String] = []

    public init(title: String, period: DashboardPeriod?, panels: [DashboardPanel], notices: [String] = []) {
        self.title = title
        self.period = period
        self.panels = panels
        self.notices = notices
    }

    public func panel(_ id: String) -> DashboardPanel? { panels.first { $0.id == id } }
}

/// A page's panels as they are added, each with its query's result.
struct PanelList {
    let reader: ShownQueryReader
    var panels: [DashboardPanel] = []

    init(_ reader: ShownQueryReader) { self.reader = reader }

    mutating func add(_ id: String, _ title: String, _ note: String, _ chart: PanelChart, _ query: ShownQuery) throws {
        panels.append(DashboardPanel(id: id, title: title, note: note, chart: chart, query: query, result: try reader.run(query)))
    }
}
