import GRDB

/// The connection Store functions take inside a transaction. Engine passes it along without
/// speaking SQL itself; the alias spares Engine an import of GRDB.
public typealias StoreConnection = GRDB.Database
