import GRDB

/// Files events from `event_inbox` into `events` (see migration 0004): a batch at a time, in
/// one transaction with the profile updates and the removal from the inbox, so that an event
/// is in exactly one of the two tables at every commit.
public enum EventInbox {
    public struct Filed: Sendable, Equatable {
        /// Rows taken from the inbox.
        public var rows = 0
        /// Of those, rows that became events (the rest were filed already by another way in,
        /// such as an import of the same source ids).
        public var stored = 0
        /// People whose profiles changed; their favourite categories await a recount.
        public var touchedUsers: [Int64] = []
    }

    /// Files the oldest `limit` rows of the inbox; call inside a write transaction, and tell
    /// `keys` after it commits (`EventInboxKeys.release`, done by `finishFiling`). The writer
    /// passes its `identities`, whose item facts then last from one filing to the next.
    public static func file(
        limit: Int, nowMs: Int64, identities: IdentityCache = IdentityCache(), in db: Database
    ) throws -> (Filed, lastInboxPK: Int64?) {
        guard
            let last = try FastStatement(
                "SELECT inbox_pk FROM (SELECT inbox_pk FROM event_inbox ORDER BY inbox_pk LIMIT ?) ORDER BY inbox_pk DESC LIMIT 1", in: db
            ).fetchInt64({ $0.bind(Int64(limit)) })
        else { return (Filed(), nil) }
        var filed = Filed()
        let summaries = try FiledEventFold(in: db, items: identities)
        var profiles: [Int64: ProfileDelta] = [:]
        // RETURNING reports only the rows inserted, so a row already filed by another way in
        // counts neither as stored nor in a profile. An event that follows a response an
        // experiment decided (by request id) carries that experiment and variant.
        let move = try FastStatement(
            """
            INSERT INTO events (\(EventWriter.storedColumns))
            SELECT \(Self.columnsStampedWithExperiment) FROM event_inbox WHERE inbox_pk <= ? ORDER BY inbox_pk
            ON CONFLICT DO NOTHING
            RETURNING \(FiledEventFold.returning)
            """, in: db)
        try move.forEachRow(bind: { $0.bind(last) }) { row in
            filed.stored += 1
            try summaries.add(row)
            guard !row.isNull(0), let type = row.text(1).flatMap(EventType.init(rawValue:)) else { return }
            profiles[row.int64(0), default: ProfileDelta()].add(
                type: type, timestampMs: row.int64(2), device: row.text(3), country: row.text(4),
                price: row.isNull(5) ? nil : row.double(5), value: row.isNull(6) ? nil : row.double(6))
        }
        try summaries.write()
        filed.rows = try FastStatement("DELETE FROM event_inbox WHERE inbox_pk <= ?", in: db).run { $0.bind(last) }
        let update = try FastStatement(ProfileDelta.updateSQL, in: db)
        for (userPK, delta) in profiles {
            try delta.apply(userPK: userPK, nowMs: nowMs, with: update)
        }
        filed.touchedUsers = Array(profiles.keys)
        return (filed, last)
    }

    static let columnsStampedWithExperiment = EventWriter.storedColumns
        .replacingOccurrences(
            of: "experiment, variant,",
            with: """
                coalesce(experiment, (SELECT i.experiment FROM impressions AS i WHERE i.request_id = event_inbox.request_id)),
                CASE WHEN experiment IS NULL THEN (SELECT i.variant FROM impressions AS i WHERE i.request_id = event_inbox.request_id)
                     ELSE variant END,
                """)

    /// After the filing transaction committed: the inbox no longer holds what it filed. Nil
    /// (nothing was left to file) means every row `keys` knows of is gone: rows of an erased
    /// person leave with their profile.
    public static func finishFiling(through lastInboxPK: Int64?, keys: EventInboxKeys) {
        keys.release(through: lastInboxPK ?? .max)
    }
}
