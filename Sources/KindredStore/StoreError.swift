import Foundation
import GRDB

/// Errors about the database file and its key, as opposed to errors in a user's input data
/// (`DataError`). Each message says what to do next.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case databaseMissing(path: String)
    case databaseExists(path: String)
    case notAKindredDatabase(path: String)
    case schemaTooNew(databaseVersion: Int, binaryVersion: Int)
    case migrationChanged(version: Int, name: String)
    case migrationBrokeForeignKeys(version: Int, table: String)
    case keyMissing(path: String)
    case keyExists(path: String)
    case keyMalformed(path: String)
    case keyMismatch(path: String)
    case sqlite(code: Int32, message: String)
    /// An import stage (migration 0006) was not in the state a step needs: a second process
    /// worked on it, or its rows were changed by hand.
    case importStage(stagePK: Int64, problem: String)

    public var description: String {
        switch self {
        case .databaseMissing(let path):
            return "no Kindred database at \(path); create one with `kindred init --db \(path)`"
        case .databaseExists(let path):
            return "a database already exists at \(path); refusing to overwrite it"
        case .notAKindredDatabase(let path):
            return "\(path) is not a Kindred database (it has tables but no schema_migrations)"
        case .schemaTooNew(let databaseVersion, let binaryVersion):
            return
                "the database schema is version \(databaseVersion), newer than this kindred (which knows up to \(binaryVersion)); upgrade kindred"
        case .migrationChanged(let version, let name):
            return
                "migration \(version) (\(name)) recorded in the database differs from the one this kindred carries; migrations must never be edited once shipped"
        case .migrationBrokeForeignKeys(let version, let table):
            return "migration \(version) would leave rows of \(table) pointing at nothing; nothing was changed"
        case .keyMissing(let path):
            return
                "pseudonymization key file \(path) is missing; restore it from backup (without it, new events cannot be linked to existing users), or set KINDRED_KEY_FILE"
        case .keyExists(let path):
            return "a key file already exists at \(path); refusing to overwrite it"
        case .keyMalformed(let path):
            return "pseudonymization key file \(path) is not a Kindred key (expected 64 hexadecimal characters)"
        case .keyMismatch(let path):
            return "key file \(path) is not the key this database was created with; pseudonyms would not match existing users"
        case .sqlite(let code, let message):
            return "SQLite error \(code): \(message)"
        case .importStage(let stagePK, let problem):
            return "import stage \(stagePK) (table import_stages): \(problem)"
        }
    }

    /// Whether an error is SQLite's "the database is locked" (SQLITE_BUSY or SQLITE_LOCKED, in
    /// any extended form): another connection held the lock past the busy timeout. Nothing of
    /// the failed statement's transaction was written, so the work may simply be tried again.
    public static func isBusy(_ error: any Error) -> Bool {
        let code: Int32
        switch error {
        case let error as DatabaseError: code = error.extendedResultCode.rawValue
        case StoreError.sqlite(let wrapped, _): code = wrapped
        default: return false
        }
        let primary = code & 0xff
        return primary == 5 || primary == 6  // SQLITE_BUSY, SQLITE_LOCKED
    }

    /// Wraps GRDB's error so that callers see one error type that still carries SQLite's code.
    static func wrap(_ error: DatabaseError) -> StoreError {
        .sqlite(code: error.extendedResultCode.rawValue, message: error.message ?? "\(error)")
    }
}

/// A problem in a user's input data, located as precisely as we can: the file, the line where
/// the record starts and the field. Printed as `FILE:LINE: field: message`.
public struct DataError: Error, Equatable, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int?
    public var field: String?
    public var message: String

    public init(file: String, line: Int? = nil, field: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let field { text += "\(field): " }
        return text + message
    }
}
