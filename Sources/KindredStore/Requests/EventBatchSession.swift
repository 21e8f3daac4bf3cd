import GRDB

/// Stores batches of events from several requests inside one transaction (the server's group
/// commit), each batch counted on its own so that every request learns what became of its events.
/// They go to `event_inbox` (see migration 0004), from which `EventInbox.file` moves them on.
public final class EventBatchSession {
    public struct Outcome: Sendable, Equatable {
        public var stored = 0
        /// Events already stored (same source id, or same time and content).
        public var duplicates = 0
        /// Stored without their person, who has no analytics consent.
        public var anonymized = 0
        /// Not stored: no analytics consent, and the shop drops such events.
        public var withheld = 0

        public init() {}
    }

    private let writer: EventWriter

    /// Call inside a write transaction; after it ends, tell `inbox` whether it committed, and
    /// `identities` too if it rolled back (see `IdentityCache` for what it expects).
    public init(db: Database, nowMs: Int64, inbox: EventInboxKeys, identities: IdentityCache = IdentityCache()) throws {
        writer = try EventWriter(
            db: db, identities: IdentityResolver(db: db, nowMs: nowMs, cache: identities), nowMs: nowMs, destination: .inbox(inbox))
    }

    public func write(_ drafts: [EventDraft]) throws -> Outcome {
        var outcome = Outcome()
        let anonymizedBefore = writer.anonymized
        for draft in drafts {
            switch try writer.write(draft) {
            case .stored:
                outcome.stored += 1
            case .duplicate:
                outcome.duplicates += 1
            case .withheld:
                outcome.withheld += 1
            }
        }
        outcome.anonymized = writer.anonymized - anonymizedBefore
        return outcome
    }
}
