import KindredStore

extension Engine {
    /// A snapshot of what the database holds.
    public func status() throws -> DatabaseStatus {
        var status = try database.writer.read { db in try StatusQueries.status(in: db) }
        // Page counts miss the WAL; the files on disk are what a shop owner backs up.
        status.databaseBytes = DatabaseFiles.totalBytes(databasePath: database.path)
        return status
    }
}
