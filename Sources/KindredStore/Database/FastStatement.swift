import Foundation
import GRDB
import GRDBSQLite

/// A prepared statement bound through SQLite's C API, for the few statements that run once per
/// imported row: GRDB's `StatementArguments` allocate an array of boxed values per call, which
/// cost more than the insert itself. Everything else goes through GRDB.
final class FastStatement {
    private let statement: Statement
    private let db: Database
    private var handle: OpaquePointer { statement.sqliteStatement }

    /// The statement comes from the connection's statement cache: the server runs the same
    /// few statements thousands of times a second, and compiling one costs more than running it.
    init(_ sql: String, in db: Database) throws {
        self.db = db
        statement = try db.cachedStatement(sql: sql)
    }

    /// Binds parameters 1... in order; call `bind` for each, then `run` or `fetchInt64`.
    struct Binder {
        fileprivate let handle: OpaquePointer
        fileprivate var index: Int32 = 1

        mutating func bind(_ value: Int64?) {
            if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
            index += 1
        }

        mutating func bind(_ value: Int?) { bind(value.map(Int64.init)) }

        mutating func bind(_ value: Double?) {
            if let value { sqlite3_bind_double(handle, index, value) } else { sqlite3_bind_null(handle, index) }
            index += 1
        }

        mutating func bind(_ value: Data) {
            value.withUnsafeBytes { buffer in
                _ = sqlite3_bind_blob(handle, index, buffer.baseAddress, Int32(buffer.count), SQLITE_TRANSIENT)
            }
            index += 1
        }

        mutating func bind(_ value: String?) {
            if var value {
                value.withUTF8 { buffer in
                    _ = sqlite3_bind_text(handle, index, buffer.baseAddress, Int32(buffer.count), SQLITE_TRANSIENT)
                }
            } else {
                sqlite3_bind_null(handle, index)
            }
            index += 1
        }
    }

    /// Binds with `body`, steps to completion, and returns the number of rows changed.
    @discardableResult
    func run(_ body: (inout Binder) -> Void) throws -> Int {
        _ = try stepOnce(body)
        return Int(sqlite3_changes(db.sqliteConnection))
    }

    /// Binds with `body` and returns the first column of the first row, if any.
    func fetchInt64(_ body: (inout Binder) -> Void) throws -> Int64? {
        try stepOnce(body)
    }

    /// Binds, takes one step (reading the first column if a row came back) and resets.
    private func stepOnce(_ body: (inout Binder) -> Void) throws -> Int64? {
        var binder = Binder(handle: handle)
        body(&binder)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return sqlite3_column_int64(handle, 0) }
        guard code == SQLITE_DONE else { throw error(code) }
        return nil
    }

    /// Columns of the current row, read through the C API.
    struct Row {
        fileprivate let handle: OpaquePointer

        func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
        func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
        func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
        /// An integer or a real, as SQLite stored it (not text that looks like one).
        func isNumeric(_ column: Int32) -> Bool {
            let type = sqlite3_column_type(handle, column)
            return type == SQLITE_INTEGER || type == SQLITE_FLOAT
        }
        func text(_ column: Int32) -> String? {
            guard let pointer = sqlite3_column_text(handle, column) else { return nil }
            return String(cString: pointer)
        }
        /// Whether a text column holds exactly `bytes` (UTF-8), without making a String: how a
        /// scan in key order finds where a run of rows with the same text ends.
        func text(_ column: Int32, equals bytes: [UInt8]) -> Bool {
            let pointer = sqlite3_column_text(handle, column)
            let count = Int(sqlite3_column_bytes(handle, column))
            guard count == bytes.count else { return false }
            guard count > 0, let pointer else { return true }
            return bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, pointer, count) == 0 }
        }
        /// A text column's UTF-8 bytes.
        func textBytes(_ column: Int32) -> [UInt8] {
            guard let pointer = sqlite3_column_text(handle, column) else { return [] }
            return Array(UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column))))
        }
    }

    /// Binds with `bind`, then calls `body` for every row of the result.
    func forEachRow(bind: (inout Binder) -> Void = { _ in }, _ body: (Row) throws -> Void) throws {
        var binder = Binder(handle: handle)
        bind(&binder)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw error(code) }
            try body(Row(handle: handle))
        }
    }

    private func error(_ code: Int32) -> StoreError {
        let message = sqlite3_errmsg(db.sqliteConnection).map { String(cString: $0) } ?? "unknown error"
        return .sqlite(code: sqlite3_extended_errcode(db.sqliteConnection), message: "\(message) (\(statement.sql))")
    }
}

/// SQLite's "copy this buffer now" destructor, which Swift cannot spell directly.
private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
