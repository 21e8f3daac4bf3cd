import GRDB

/// Stores batches of events from several requests inside one transaction (the server's group
/// commit), each batch counted on its own so that every request learns what became of its events.
public final class EventBatchSession {
    public struct Outcome: Sendable, Equatable {
        public var stored = 0
        /// Events already stored (same source id, or same time and content).
        public var duplicates = 0
        public var maxEventPK: Int64?

        public init() {}
    }

    private let writer: EventWriter

    /// Call inside a write transaction, and `finish()` before it commits.
    public init(db: Database, nowMs: Int64) throws {
        writer = try EventWriter(db: db, identities: IdentityResolver(db: db, nowMs: nowMs), nowMs: nowMs)
    }

    public func write(_ drafts: [EventDraft]) throws -> Outcome {
        var outcome = Outcome()
        for draft in drafts {
            let result = try writer.write(draft)
            if result.inserted {
                outcome.stored += 1
                outcome.maxEventPK = result.eventPK
            } else {
                outcome.duplicates += 1
            }
        }
        return outcome
    }

    /// Brings the touched profiles up to date.
    public func finish() throws {
        try writer.finish()
    }
}
