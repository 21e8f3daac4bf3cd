import Foundation
import GRDB

/// One value of a query's result, kept as SQLite stored it, so that a page can draw it and a
/// test can compare it with what the `sqlite3` shell returns for the same text.
public enum QueryCell: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    /// The value as a number, for charts; nil for NULL and for text that is not one.
    public var number: Double? {
        switch self {
        case .null: return nil
        case .integer(let value): return Double(value)
        case .real(let value): return value
        case .text(let value): return Double(value)
        }
    }

    /// The value as text, the way `sqlite3 -csv` writes it (NULL as nothing).
    public var text: String {
        switch self {
        case .null: return ""
        case .integer(let value): return String(value)
        case .real(let value): return Self.shortest(value)
        case .text(let value): return value
        }
    }

    /// The shortest text that reads back as the same double, so that a number on a page and in a
    /// CSV file equals SQLite's to the last bit.
    static func shortest(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "" : (value > 0 ? "Inf" : "-Inf") }
        if value == value.rounded(), abs(value) < 1e15 { return String(format: "%.1f", value) }
        return "\(value)"
    }
}

/// The rows of a shown query, with their column names.
public struct QueryResult: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[QueryCell]]

    public init(columns: [String], rows: [[QueryCell]]) {
        self.columns = columns
        self.rows = rows
    }

    /// Where a named column is; nil when the query has none of that name.
    public func index(of column: String) -> Int? { columns.firstIndex(of: column) }

    /// One column's values, top to bottom.
    public func values(_ column: String) -> [QueryCell] {
        guard let index = index(of: column) else { return [] }
        return rows.map { $0[index] }
    }

    /// RFC 4180 CSV with a header line: what a page's "CSV" link downloads.
    public var csv: String {
        func field(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var lines = [columns.map(field).joined(separator: ",")]
        for row in rows { lines.append(row.map { field($0.text) }.joined(separator: ",")) }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

/// A read-only query that a page shows beside what it draws. Its values are written into the text
/// (no bound parameters), so that the owner can paste it at the `sqlite3` prompt and get the rows
/// the page drew: the page's numbers are this query's result and nothing else.
public struct ShownQuery: Sendable, Equatable {
    public let sql: String

    init(_ sql: String) { self.sql = sql }

    /// Runs the query as written. Only queries built in this module exist, so no caller's text is
    /// ever run.
    public func run(in db: Database) throws -> QueryResult {
        let statement = try db.makeStatement(sql: sql)
        let columns = statement.columnNames
        var rows: [[QueryCell]] = []
        let cursor = try Row.fetchCursor(statement)
        while let row = try cursor.next() {
            rows.append(
                (0..<columns.count).map { index -> QueryCell in
                    switch (row[index] as DatabaseValue).storage {
                    case .null: return .null
                    case .int64(let value): return .integer(value)
                    case .double(let value): return .real(value)
                    case .string(let value): return .text(value)
                    case .blob(let data): return .text("<\(data.count) bytes>")
                    }
                })
        }
        return QueryResult(columns: columns, rows: rows)
    }
}

/// Runs shown queries in the read transaction a page opened, so that every panel of a page comes
/// from the same moment of the file.
public struct ShownQueryReader {
    let db: Database

    public init(_ db: Database) { self.db = db }

    public func run(_ query: ShownQuery) throws -> QueryResult { try query.run(in: db) }
}

/// Values written into a shown query's text.
enum SQLText {
    /// A string literal: quotes doubled, so that no value can end the literal.
    static func quoted(_ value: String) -> String { "'" + value.replacingOccurrences(of: "'", with: "''") + "'" }

    /// A day number (days since 1970, UTC) with the date it stands for beside it, for a reader.
    static func day(_ day: Int64) -> String { "\(day) /* \(DayText.format(day)) */" }
}

/// UTC days as `YYYY-MM-DD`, by the formatter that writes every timestamp the database shows.
enum DayText {
    static func format(_ day: Int64) -> String {
        String(TimestampFormatter.iso8601(milliseconds: day * 86_400_000).prefix(10))
    }
}
