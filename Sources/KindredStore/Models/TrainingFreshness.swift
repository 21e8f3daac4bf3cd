import GRDB

/// Whether events arrived since the last model was trained: the scheduler skips a run when
/// none did.
public enum TrainingFreshness {
    /// The newest event, and the newest event any model version was trained on.
    public static func read(in db: Database) throws -> (newestEventPK: Int64?, newestTrainedEventPK: Int64?) {
        let row = try Row.fetchOne(
            db, sql: "SELECT (SELECT max(event_pk) FROM events), (SELECT max(data_max_event_pk) FROM model_versions)")
        return (row?[0], row?[1])
    }
}
