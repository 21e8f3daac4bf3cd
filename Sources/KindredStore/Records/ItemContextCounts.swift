import GRDB

/// How an item's recent events split by device class and part of the day: what a learned
/// ranker's context features compare the request with. Read straight from `events` when a
/// ranker is trained or loaded (once per model, not per request), so it needs no table of
/// its own.
public struct ItemContextCounts: Sendable, Equatable {
    public var events = 0
    /// mobile, tablet, desktop: `RankingContext.DeviceClass`'s order.
    public var devices = [0, 0, 0]
    /// night (0-5), morning, afternoon, evening (18-23), by the person's local hour when the
    /// event said, else the hour in UTC (as `person_event_rows` counts them).
    public var dayparts = [0, 0, 0, 0]

    public init() {}

    /// Every item with an event in `[fromMs, toMs)`, by item key.
    public static func read(fromMs: Int64, toMs: Int64, in db: Database) throws -> [Int64: ItemContextCounts] {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT item_pk, count(*), sum(device = 'mobile'), sum(device = 'tablet'), sum(device = 'desktop'),
                       sum(hour BETWEEN 0 AND 5), sum(hour BETWEEN 6 AND 11), sum(hour BETWEEN 12 AND 17), sum(hour BETWEEN 18 AND 23)
                FROM (SELECT item_pk, device, coalesce(local_hour, (ts_ms / 3600000) % 24) AS hour
                      FROM events WHERE item_pk IS NOT NULL AND ts_ms >= ? AND ts_ms < ?)
                GROUP BY item_pk
                """, arguments: [fromMs, toMs])
        var counts: [Int64: ItemContextCounts] = [:]
        while let row = try rows.next() {
            var item = ItemContextCounts()
            item.events = row[1]
            item.devices = [row[2] ?? 0, row[3] ?? 0, row[4] ?? 0]
            item.dayparts = [row[5] ?? 0, row[6] ?? 0, row[7] ?? 0, row[8] ?? 0]
            counts[row[0]] = item
        }
        return counts
    }
}
