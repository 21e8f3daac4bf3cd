import GRDB

/// Everything kept up to date from the events a transaction stored: the KPI rollups and the
/// feature store. Every way events come in (filing the inbox, imports, staged imports) takes a
/// mark before it writes and adds what is above the mark before it commits, so that the
/// summaries never disagree with the events beside them.
public enum EventSummaries {
    /// The newest event now: what a batch written after this adds is everything above it.
    public static func mark(in db: Database) throws -> Int64 {
        try KPIRollups.eventMark(in: db)
    }

    /// Adds the events stored after `mark` (by the caller's transaction) to every summary.
    public static func addEvents(after mark: Int64, in db: Database) throws {
        try KPIRollups.addEvents(after: mark, in: db)
        try FeatureStore.addEvents(after: mark, in: db)
    }
}
