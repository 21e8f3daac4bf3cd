import Foundation
import KindredStore

/// What `kindred kpis` and `GET /v1/kpis` are asked for, parsed and checked in one place so
/// that both faces accept and refuse the same things.
public struct KPIQuery: Sendable, Equatable {
    /// What rows are broken down by; nil for one row per day for the whole shop.
    public enum Dimension: String, Sendable, CaseIterable, Codable {
        case device, country, category, surface, position, model, variant, block, hour
    }

    public var by: Dimension?
    /// Inclusive UTC days since 1970; nil for the 30 days that end on the latest counted day.
    public var from: Int64?
    public var to: Int64?
    /// With `by`: one row per day and value rather than per value for the whole period.
    public var daily = false

    /// Ten years of days at most: the daily rows of a longer period would be too many to read.
    public static let maxDays: Int64 = 3660
    public static let defaultDays: Int64 = 30

    public init(by: Dimension? = nil, from: Int64? = nil, to: Int64? = nil, daily: Bool = false) {
        self.by = by
        self.from = from
        self.to = to
        self.daily = daily
    }

    /// Reads the query's text as the CLI and the API receive it.
    public static func parse(by: String?, from: String?, to: String?, daily: Bool) throws(RequestProblem) -> KPIQuery {
        var query = KPIQuery(daily: daily)
        if let by {
            guard let dimension = Dimension(rawValue: by) else {
                throw RequestProblem(
                    .invalid, code: "invalid_parameter",
                    message: "'\(by.prefix(40))' is not one of \(Dimension.allCases.map(\.rawValue).joined(separator: ", "))", field: "by")
            }
            query.by = dimension
        }
        if let from { query.from = try day(from, field: "from") }
        if let to { query.to = try day(to, field: "to") }
        try query.check()
        return query
    }

    public func check() throws(RequestProblem) {
        if let from, let to {
            guard from <= to else {
                throw RequestProblem(
                    .invalid, code: "invalid_parameter",
                    message: "the period ends (\(Self.format(to))) before it starts (\(Self.format(from)))", field: "to")
            }
            guard to - from < Self.maxDays else {
                throw RequestProblem(.invalid, code: "invalid_parameter", message: "a period is at most \(Self.maxDays) days", field: "from")
            }
        }
        if daily && by == nil {
            throw RequestProblem(
                .invalid, code: "invalid_parameter", message: "daily needs a breakdown (by): without one every row is a day already",
                field: "daily")
        }
    }

    /// The days a report covers: as asked, the rest filled in from the latest counted day.
    func period(latestCountedDay: Int64?, today: Int64) -> ClosedRange<Int64> {
        switch (from, to) {
        case let (from?, to?): return from...to
        case let (from?, nil): return from...min(from + Self.defaultDays - 1, max(from, latestCountedDay ?? today))
        case let (nil, to?): return (to - Self.defaultDays + 1)...to
        case (nil, nil):
            let last = latestCountedDay ?? today
            return (last - Self.defaultDays + 1)...last
        }
    }

    /// `YYYY-MM-DD`, a real calendar day.
    static func day(_ text: String, field: String) throws(RequestProblem) -> Int64 {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let dayOfMonth = Int(parts[2]),
            (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(dayOfMonth)
        else {
            throw RequestProblem(.invalid, code: "invalid_parameter", message: "'\(text.prefix(40))' is not a date YYYY-MM-DD", field: field)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: dayOfMonth)
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == dayOfMonth else {
            throw RequestProblem(.invalid, code: "invalid_parameter", message: "\(text) is not a day of the calendar", field: field)
        }
        return Int64((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// A day number as `YYYY-MM-DD`.
    static func format(_ day: Int64) -> String {
        String(TimestampFormatter.iso8601(milliseconds: day * 86_400_000).prefix(10))
    }
}
