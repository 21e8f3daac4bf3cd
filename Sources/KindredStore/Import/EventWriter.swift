import GRDB

/// Stores events inside the caller's transaction, skipping ones already stored, and keeps each
/// touched user's profile current (counts per type, first and last seen, last device and
/// country, revenue, favourite categories).
///
/// Or, for the server under load (`destination: .inbox`), appends them to `event_inbox`,
/// checked against what is stored and what waits in the inbox, without touching profiles:
/// `EventInbox.file` moves them on (see migration 0004).
///
/// Consent is enforced here, on every way in: an event of a person who may not be processed
/// for analytics is stored without them or not at all (`consent.events_without_analytics`),
/// and in neither case does a profile for them come into being.
final class EventWriter {
    enum Outcome {
        case stored(eventPK: Int64)
        /// The same event was stored before.
        case duplicate
        /// Not stored: the person has no analytics consent and the shop drops such events.
        case withheld
    }

    /// Where stored events go.
    enum Destination {
        case events
        case inbox(EventInboxKeys)
    }

    private let db: Database
    private let nowMs: Int64
    private let identities: IdentityResolver
    private let destination: Destination
    private let insert: FastStatement
    private var keyer = EventKeyer()
    private var profiles: [Int64: ProfileDelta] = [:]
    private let consent: AnalyticsConsentGate
    /// The newest event before this writer's: `finish` adds the ones after it to the KPI
    /// rollups (events written straight into `events` only; the inbox is counted when filed).
    private var rollupMark: Int64?
    /// Events stored without their person for want of analytics consent.
    var anonymized: Int { consent.anonymized }

    init(db: Database, identities: IdentityResolver, nowMs: Int64, destination: Destination = .events) throws {
        self.db = db
        self.nowMs = nowMs
        self.identities = identities
        self.destination = destination
        consent = try AnalyticsConsentGate(db: db)
        let table: String
        switch destination {
        case .events:
            table = "events"
            rollupMark = try EventSummaries.mark(in: db)
        case .inbox: table = "event_inbox"
        }
        insert = try FastStatement(
            """
            INSERT INTO \(table) (\(Self.storedColumns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """, in: db)
    }

    /// The columns an event is stored in, in `events` and `event_inbox` alike, in the order
    /// `write` binds them; filing copies them from one table to the other.
    static let storedColumns =
        "event_key, source_event_id, type, user_pk, item_pk, session_id, ts_ms, value, price, device, country, region, local_hour, referrer, experiment, variant, request_id, received_ms, latitude, longitude, time_zone"

    /// Stores one event, unless it was stored before or consent keeps it out.
    func write(_ original: EventDraft) throws -> Outcome {
        guard let draft = try consent.admit(original) else { return .withheld }
        return try store(draft, key: keyer.key(for: draft))
    }

    /// Stores an event that consent has admitted already, under the key computed for it
    /// (`EventKeyer`), unless it was stored before: a staged import's filing, whose staging
    /// admitted and keyed the rows in file order.
    func store(_ draft: EventDraft, key: Int64) throws -> Outcome {
        let userPK = try draft.userPseudonym.map { try identities.userPK(pseudonym: $0) }
        let itemPK = try draft.itemID.map { try identities.itemPK(itemID: $0) }
        if case .inbox(let keys) = destination,
            try keys.isStored(EventInboxKeys.Key(timestampMs: draft.timestampMs, eventKey: key, sourceID: draft.sourceEventID), in: db)
        {
            return .duplicate
        }
        let changed = try insert.run { row in
            row.bind(key)
            row.bind(draft.sourceEventID)
            row.bind(draft.type.rawValue)
            row.bind(userPK)
            row.bind(itemPK)
            row.bind(draft.sessionID)
            row.bind(draft.timestampMs)
            row.bind(draft.value)
            row.bind(draft.price)
            row.bind(draft.device?.rawValue)
            row.bind(draft.country)
            row.bind(draft.region)
            row.bind(draft.localHour)
            row.bind(draft.referrer)
            row.bind(draft.experiment)
            row.bind(draft.variant)
            row.bind(draft.requestID)
            row.bind(nowMs)
            row.bind(draft.latitude)
            row.bind(draft.longitude)
            row.bind(draft.timeZone)
        }
        guard changed > 0 else { return .duplicate }
        switch destination {
        case .events:
            if let userPK { profiles[userPK, default: ProfileDelta()].add(draft) }
        case .inbox(let keys):
            keys.hold(
                EventInboxKeys.Key(timestampMs: draft.timestampMs, eventKey: key, sourceID: draft.sourceEventID),
                inboxPK: db.lastInsertedRowID)
        }
        return .stored(eventPK: db.lastInsertedRowID)
    }

    /// Applies the accumulated profile changes; call once before the transaction commits.
    /// Favourite categories (which read each person's whole history) are recounted now, or,
    /// with `refreshFavourites` off, left to the caller, which gets the people touched.
    @discardableResult
    func finish(refreshFavourites: Bool = true) throws -> [Int64] {
        if let mark = rollupMark {
            try EventSummaries.addEvents(after: mark, in: db)
            rollupMark = try EventSummaries.mark(in: db)
        }
        guard !profiles.isEmpty else { return [] }
        let update = try FastStatement(ProfileDelta.updateSQL, in: db)
        for (userPK, delta) in profiles {
            try delta.apply(userPK: userPK, nowMs: nowMs, with: update)
        }
        let touched = Array(profiles.keys)
        if refreshFavourites { try ProfileStore.refreshFavouriteCategories(of: touched, in: db) }
        profiles.removeAll()
        return touched
    }
}

/// What a batch of new events adds to one user's profile.
struct ProfileDelta {
    var counts = [Int](repeating: 0, count: EventType.allCases.count)
    var firstSeen = Int64.max
    var lastSeen = Int64.min
    var lastDevice: (ts: Int64, value: String)?
    var lastCountry: (ts: Int64, value: String)?
    var revenue = 0.0

    private static let typeIndex: [EventType: Int] = Dictionary(
        uniqueKeysWithValues: EventType.allCases.enumerated().map { ($1, $0) })

    mutating func add(_ draft: EventDraft) {
        add(
            type: draft.type, timestampMs: draft.timestampMs, device: draft.device?.rawValue, country: draft.country, price: draft.price,
            value: draft.value)
    }

    mutating func add(type: EventType, timestampMs: Int64, device: String?, country: String?, price: Double?, value: Double?) {
        counts[Self.typeIndex[type]!] += 1
        firstSeen = min(firstSeen, timestampMs)
        lastSeen = max(lastSeen, timestampMs)
        if let device, timestampMs >= (lastDevice?.ts ?? .min) {
            lastDevice = (timestampMs, device)
        }
        if let country, timestampMs >= (lastCountry?.ts ?? .min) {
            lastCountry = (timestampMs, country)
        }
        if let price {
            let quantity = value ?? 1
            if type == .purchase { revenue += price * quantity }
            if type == .return { revenue -= price * quantity }
        }
    }

    static let updateSQL: String = {
        let counters = EventType.allCases.map { "\($0.profileColumn) = \($0.profileColumn) + ?" }.joined(separator: ", ")
        return """
            UPDATE users SET
                events = events + ?, \(counters), revenue = revenue + ?,
                last_device = CASE WHEN ? IS NOT NULL AND ? >= coalesce(last_seen_ms, 0) THEN ? ELSE last_device END,
                last_country = CASE WHEN ? IS NOT NULL AND ? >= coalesce(last_seen_ms, 0) THEN ? ELSE last_country END,
                first_seen_ms = min(coalesce(first_seen_ms, ?), ?),
                last_seen_ms = max(coalesce(last_seen_ms, ?), ?),
                updated_ms = ?
            WHERE user_pk = ?
            """
    }()

    /// Runs `updateSQL` for this delta: through SQLite's binding calls, as filing updates
    /// thousands of profiles a second.
    func apply(userPK: Int64, nowMs: Int64, with update: FastStatement) throws {
        try update.run { row in
            row.bind(counts.reduce(0, +))
            for count in counts { row.bind(count) }
            row.bind(revenue)
            row.bind(lastDevice?.value)
            row.bind(lastDevice?.ts)
            row.bind(lastDevice?.value)
            row.bind(lastCountry?.value)
            row.bind(lastCountry?.ts)
            row.bind(lastCountry?.value)
            row.bind(firstSeen)
            row.bind(firstSeen)
            row.bind(lastSeen)
            row.bind(lastSeen)
            row.bind(nowMs)
            row.bind(userPK)
        }
    }
}
