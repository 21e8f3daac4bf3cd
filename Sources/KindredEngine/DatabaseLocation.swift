/// Where a Kindred database and its pseudonymization key live: `--db` (or `KINDRED_DB`, or
/// `./kindred.sqlite`) and `<db>.key` (or `KINDRED_KEY_FILE`).
public struct DatabaseLocation: Sendable, Equatable {
    public static let defaultDatabasePath = "kindred.sqlite"

    public var databasePath: String
    public var keyPath: String

    public init(databasePath: String, keyPath: String) {
        self.databasePath = databasePath
        self.keyPath = keyPath
    }

    /// Resolves the paths from an explicit `--db` and the environment.
    public static func resolve(databasePath: String?, environment: [String: String]) -> DatabaseLocation {
        let path = databasePath ?? environment["KINDRED_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultDatabasePath
        let keyPath = environment["KINDRED_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? path + ".key"
        return DatabaseLocation(databasePath: path, keyPath: keyPath)
    }
}
