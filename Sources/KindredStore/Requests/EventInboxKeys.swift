import GRDB

/// What waits in `event_inbox`, as the one process that fills it (the server's writer) knows
/// it: the identity of each event there, so that a duplicate is recognized before it is
/// acknowledged, exactly as the unique constraints of `events` would recognize it after filing.
///
/// Additions made inside a transaction are held apart until the writer says whether it
/// committed (`commit`) or rolled back (`discard`).
public final class EventInboxKeys {
    /// What makes an event the same event: its source's id when it has one, otherwise its time
    /// and content digest (the unique constraints of `events`).
    struct Key: Hashable {
        var timestampMs: Int64
        var eventKey: Int64
        var sourceID: String?
    }

    private struct Identity: Hashable {
        var timestampMs: Int64
        var eventKey: Int64
    }

    private var identities = Set<Identity>()
    private var sourceIDs = Set<String>()
    /// In inbox order, for releasing what filing took; `head` is the first not yet released.
    private var queue: [(inboxPK: Int64, key: Key)] = []
    private var head = 0
    private var held: [(inboxPK: Int64, key: Key)] = []

    public init() {}

    /// Events in the inbox, committed.
    public var count: Int { queue.count - head }

    /// Whether the event is in `events` already or waits in the inbox (committed or held).
    func isStored(_ key: Key, in db: Database) throws -> Bool {
        if let sourceID = key.sourceID {
            if sourceIDs.contains(sourceID) { return true }
            return try FastStatement("SELECT 1 FROM events WHERE source_event_id = ?", in: db).fetchInt64 { $0.bind(sourceID) } != nil
        }
        if identities.contains(Identity(timestampMs: key.timestampMs, eventKey: key.eventKey)) { return true }
        return try FastStatement("SELECT 1 FROM events WHERE ts_ms = ? AND event_key = ?", in: db).fetchInt64 {
            $0.bind(key.timestampMs)
            $0.bind(key.eventKey)
        } != nil
    }

    /// Notes an event written to the inbox in the open transaction.
    func hold(_ key: Key, inboxPK: Int64) {
        held.append((inboxPK, key))
        remember(key)
    }

    /// The transaction committed: what it held is in the inbox.
    public func commit() {
        queue += held
        held.removeAll()
    }

    /// The transaction rolled back: what it held never reached the inbox.
    public func discard() {
        for (_, key) in held { forget(key) }
        held.removeAll()
    }

    /// Loads what an earlier run left in the inbox (call before writing to it).
    public func load(in db: Database) throws {
        try FastStatement("SELECT inbox_pk, ts_ms, event_key, source_event_id FROM event_inbox ORDER BY inbox_pk", in: db).forEachRow {
            row in
            let key = Key(timestampMs: row.int64(1), eventKey: row.int64(2), sourceID: row.text(3))
            queue.append((row.int64(0), key))
            remember(key)
        }
    }

    /// Forgets the events filed out of the inbox: everything up to `inboxPK`.
    func release(through inboxPK: Int64) {
        while head < queue.count, queue[head].inboxPK <= inboxPK {
            forget(queue[head].key)
            head += 1
        }
        if head > 4_096, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }

    private func remember(_ key: Key) {
        if let sourceID = key.sourceID {
            sourceIDs.insert(sourceID)
        } else {
            identities.insert(Identity(timestampMs: key.timestampMs, eventKey: key.eventKey))
        }
    }

    private func forget(_ key: Key) {
        if let sourceID = key.sourceID {
            sourceIDs.remove(sourceID)
        } else {
            identities.remove(Identity(timestampMs: key.timestampMs, eventKey: key.eventKey))
        }
    }
}
