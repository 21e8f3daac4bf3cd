import GRDB

/// Everything kept up to date from the events a transaction stored: the KPI rollups and the
/// feature store. Imports and staged imports take a mark before they write and add what is
/// above the mark before they commit, so that the summaries never disagree with the events
/// beside them; filing the inbox adds the same sums in the same transaction from the rows it
/// inserted (`FiledEventFold`), which a test holds to what these statements sum.
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
