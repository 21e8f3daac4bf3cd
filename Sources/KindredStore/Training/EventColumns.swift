import GRDB

/// Events as parallel columns of plain numbers, read in one pass for training: what Engine
/// turns into Learning's dense-index interaction log. Reading through the C API keeps this
/// at a few hundred nanoseconds per event.
public struct EventColumns: Sendable {
    /// 0 for anonymous events.
    public var userPKs: [Int64] = []
    public var itemPKs: [Int64] = []
    /// Index into `EventType.allCases`.
    public var typeCodes: [UInt8] = []
    public var values: [Float] = []
    public var timestamps: [Int64] = []
    /// For anonymous events: a number per distinct session id (0 when there is none), so that
    /// anonymous visits can still count as co-occurrence.
    public var anonymousSessions: [Int32] = []
    /// Per event, a number per distinct session id (0 when there is none), so that sequence
    /// models can put a session's events in order: for every event when read with
    /// `sessionsOfEveryone`, otherwise for anonymous events only. Numbered apart from
    /// `anonymousSessions`, whose numbers are rows.
    public var sessions: [Int32] = []
    /// Index into `countryNames` plus one; 0 when the event has no country.
    public var countries: [Int16] = []
    public var countryNames: [String] = []
    /// Index into `Device.allCases` plus one; 0 when the event has no device.
    public var devices: [UInt8] = []
    /// The local hour 0-23, or -1 when unknown.
    public var localHours: [Int8] = []
    public var maxEventPK: Int64 = 0

    public var count: Int { itemPKs.count }
}

public enum EventColumnsReader {
    /// SQL CASE arms mapping type and device text to their numbers (computed in SQLite, so
    /// no Swift string is made per row).
    static let typeCase = EventType.allCases.enumerated().map { "WHEN '\($1.rawValue)' THEN \($0)" }.joined(separator: " ")
    static let deviceCase = Device.allCases.enumerated().map { "WHEN '\($1.rawValue)' THEN \($0 + 1)" }.joined(separator: " ")

    /// Every event with an item, up to and including `throughEventPK` (all when nil), in
    /// arrival order. Named people's session ids are read only with `sessionsOfEveryone` (for
    /// sequence models): hashing one text per event is work that model loads and factor
    /// models' training would otherwise do for nothing.
    public static func read(in db: Database, throughEventPK: Int64? = nil, sessionsOfEveryone: Bool = false) throws -> EventColumns {
        let statement = try FastStatement(
            """
            SELECT event_pk, coalesce(user_pk, 0), item_pk, CASE type \(typeCase) END, coalesce(value, 0), ts_ms,
                   \(sessionsOfEveryone ? "session_id" : "CASE WHEN user_pk IS NULL THEN session_id END"), country, CASE device \(deviceCase) ELSE 0 END,
                   coalesce(local_hour, -1)
            FROM events
            WHERE item_pk IS NOT NULL AND event_pk <= ?
            ORDER BY event_pk
            """, in: db)
        var columns = EventColumns()
        // An upper bound from the rowid, without counting the table.
        let expected = min(try Int.fetchOne(db, sql: "SELECT max(event_pk) FROM events") ?? 0, Int(throughEventPK ?? .max))
        columns.userPKs.reserveCapacity(expected)
        columns.itemPKs.reserveCapacity(expected)
        columns.typeCodes.reserveCapacity(expected)
        columns.values.reserveCapacity(expected)
        columns.timestamps.reserveCapacity(expected)
        columns.anonymousSessions.reserveCapacity(expected)
        columns.sessions.reserveCapacity(expected)
        columns.countries.reserveCapacity(expected)
        var sessions: [String: Int32] = [:]
        var anonymousNumbers: [Int32: Int32] = [:]
        var countries: [String: Int16] = [:]
        var lastCountry: (text: String, code: Int16)?
        try statement.forEachRow(bind: { $0.bind(throughEventPK ?? Int64.max) }) { row in
            columns.maxEventPK = row.int64(0)
            columns.userPKs.append(row.int64(1))
            columns.itemPKs.append(row.int64(2))
            columns.typeCodes.append(UInt8(truncatingIfNeeded: row.int64(3)))
            columns.values.append(Float(row.double(4)))
            columns.timestamps.append(row.int64(5))
            if let session = row.text(6) {
                let number = Self.number(session, in: &sessions)
                columns.sessions.append(number)
                if columns.userPKs[columns.userPKs.count - 1] == 0 {
                    columns.anonymousSessions.append(Self.number(number, in: &anonymousNumbers))
                } else {
                    columns.anonymousSessions.append(0)
                }
            } else {
                columns.sessions.append(0)
                columns.anonymousSessions.append(0)
            }
            if let country = row.text(7) {
                if let last = lastCountry, last.text == country {
                    columns.countries.append(last.code)
                } else {
                    let code =
                        countries[country]
                        ?? {
                            columns.countryNames.append(country)
                            let code = Int16(truncatingIfNeeded: columns.countryNames.count)
                            countries[country] = code
                            return code
                        }()
                    lastCountry = (country, code)
                    columns.countries.append(code)
                }
            } else {
                columns.countries.append(0)
            }
            columns.devices.append(UInt8(truncatingIfNeeded: row.int64(8)))
            columns.localHours.append(Int8(truncatingIfNeeded: row.int64(9)))
        }
        return columns
    }

    /// The number `key` has in `numbers`, giving it the next one (from 1) the first time.
    private static func number<Key: Hashable>(_ key: Key, in numbers: inout [Key: Int32]) -> Int32 {
        if let known = numbers[key] { return known }
        let next = Int32(numbers.count + 1)
        numbers[key] = next
        return next
    }

    /// One user's events after `afterMs` (all of them when nil), for fold-in at query time.
    public static func read(userPK: Int64, afterMs: Int64? = nil, in db: Database) throws -> EventColumns {
        let statement = try FastStatement(
            """
            SELECT event_pk, item_pk, CASE type \(typeCase) END, coalesce(value, 0), ts_ms
            FROM events WHERE user_pk = ? AND ts_ms > ? AND item_pk IS NOT NULL ORDER BY ts_ms
            """, in: db)
        var columns = EventColumns()
        try statement.forEachRow(bind: {
            $0.bind(userPK)
            $0.bind(afterMs ?? Int64.min)
        }) { row in
            columns.maxEventPK = max(columns.maxEventPK, row.int64(0))
            columns.userPKs.append(userPK)
            columns.itemPKs.append(row.int64(1))
            columns.typeCodes.append(UInt8(truncatingIfNeeded: row.int64(2)))
            columns.values.append(Float(row.double(3)))
            columns.timestamps.append(row.int64(4))
            columns.anonymousSessions.append(0)
            columns.sessions.append(0)
            columns.countries.append(0)
            columns.devices.append(0)
            columns.localHours.append(-1)
        }
        return columns
    }
}
