import Foundation
import KindredLearning
import KindredStore

/// The database's events and catalog on dense indices, ready for Learning: items in catalog
/// order (every item, so that models can rank items nobody has touched yet), users with events
/// in user_pk order, then, optionally, one pseudo-user per anonymous session so that anonymous
/// visits still count for popularity and co-occurrence.
public struct TrainingData: Sendable {
    public let catalog: CatalogSnapshot
    public let itemIndex: [Int64: Int32]
    public let userPKs: [Int64]
    public let userIndex: [Int64: Int32]
    /// Who each user row was when the events were read (see `ProfileStore.pseudonyms`).
    public let userPseudonyms: [Int64: String]
    /// Rows after the real users: one per anonymous session.
    public let anonymousSessionRows: Int
    public let log: InteractionLog
    /// Per event of `log`, its session's number (0: none), for ordering events into sequences.
    public let logSessions: [Int32]
    public let maxEventPK: Int64
    /// Per context ("country:de", "device:mobile", "daypart:evening"), the items most
    /// interacted with in it (views and stronger), best first.
    public let popularByContext: [String: [Int64]]
    public let firstEventMs: Int64?
    public let lastEventMs: Int64?
    /// Per event of `log`: its device (index into `Device.allCases` plus one, 0 unknown) and
    /// country (index into `countryNames` plus one, 0 unknown), for grouping people by where
    /// and on what they shop.
    public let logDevices: [UInt8]
    public let logCountries: [Int16]
    public let countryNames: [String]

    public var userRows: Int { userPKs.count + anonymousSessionRows }

    static let kindOfType: [InteractionKind] = EventType.allCases.map { type in
        switch type {
        case .view: return .view
        case .click: return .click
        case .dwell: return .dwell
        case .scroll: return .scroll
        case .addToCart: return .addToCart
        case .removeFromCart: return .removeFromCart
        case .purchase: return .purchase
        case .return: return .return
        case .impression: return .impression
        case .search: return .search
        case .rating: return .rating
        }
    }

    /// `withSessions` reads named people's sessions too: what `sequences` groups by.
    public static func load(
        from database: KindredDatabase, throughEventPK: Int64? = nil, includeAnonymousSessions: Bool, withSessions: Bool = false
    ) throws -> TrainingData {
        let (columns, catalog, consent, pseudonyms, notInterested) = try database.writer.read { db in
            (
                try EventColumnsReader.read(in: db, throughEventPK: throughEventPK, sessionsOfEveryone: withSessions),
                try CatalogSnapshot.read(in: db),
                try ConsentFilter.read(purpose: "personalization", in: db), try ProfileStore.pseudonyms(in: db),
                try PreferenceStore.notInterestedItemPKs(in: db)
            )
        }
        return TrainingData(
            columns: columns, catalog: catalog, includeAnonymousSessions: includeAnonymousSessions, includes: consent.allows,
            pseudonyms: pseudonyms, notInterested: notInterested)
    }

    /// `includes` says whose events may be learnt from: people without personalization
    /// consent contribute nothing, neither as themselves nor as anonymous rows. `notInterested`
    /// (person -> item keys) is negative feedback the implicit models can take: what a person
    /// said they do not want leaves their row, so that it no longer pulls them toward it.
    init(
        columns: EventColumns, catalog: CatalogSnapshot, includeAnonymousSessions: Bool, includes: (Int64) -> Bool = { _ in true },
        pseudonyms: [Int64: String] = [:], notInterested: [Int64: Set<Int64>] = [:]
    ) {
        self.catalog = catalog
        var itemIndex: [Int64: Int32] = [:]
        for (index, pk) in catalog.itemPKs.enumerated() { itemIndex[pk] = Int32(index) }
        let userPKs = Array(Set(columns.userPKs.filter { $0 != 0 && includes($0) })).sorted()
        var userIndex: [Int64: Int32] = [:]
        for (index, pk) in userPKs.enumerated() { userIndex[pk] = Int32(index) }
        let sessions = includeAnonymousSessions ? Int(columns.anonymousSessions.max() ?? 0) : 0
        var log = InteractionLog()
        var logSessions: [Int32] = []
        var logDevices: [UInt8] = []
        var logCountries: [Int16] = []
        log.users.reserveCapacity(columns.count)
        for index in 0..<columns.count {
            let user: Int32
            if columns.userPKs[index] != 0 {
                guard let row = userIndex[columns.userPKs[index]] else { continue }
                if let unwanted = notInterested[columns.userPKs[index]], unwanted.contains(columns.itemPKs[index]) { continue }
                user = row
            } else if includeAnonymousSessions, columns.anonymousSessions[index] > 0 {
                user = Int32(userPKs.count) + columns.anonymousSessions[index] - 1
            } else {
                continue
            }
            guard let item = itemIndex[columns.itemPKs[index]] else { continue }
            log.append(
                user: user, item: item, kind: Self.kindOfType[Int(columns.typeCodes[index])], value: columns.values[index],
                time: columns.timestamps[index])
            logSessions.append(columns.sessions[index])
            logDevices.append(columns.devices[index])
            logCountries.append(columns.countries[index])
        }
        self.itemIndex = itemIndex
        self.logSessions = logSessions
        self.logDevices = logDevices
        self.logCountries = logCountries
        self.countryNames = columns.countryNames
        self.userPKs = userPKs
        self.userIndex = userIndex
        self.userPseudonyms = pseudonyms.filter { userIndex[$0.key] != nil }
        self.anonymousSessionRows = sessions
        self.log = log
        self.itemText = (0..<catalog.count).map { index in
            ContentTokenizer.tokens(title: catalog.titles[index], category: catalog.categories[index], tags: catalog.tags[index])
        }
        self.maxEventPK = columns.maxEventPK
        self.popularByContext = Self.popularByContext(columns, limit: 50) { columns.userPKs[$0] == 0 || includes(columns.userPKs[$0]) }
        self.firstEventMs = columns.timestamps.min()
        self.lastEventMs = columns.timestamps.max()
    }

    static let countedForContext: Set<EventType> = [.view, .click, .addToCart, .purchase, .rating]

    /// The part of the day an hour falls in, as context keys name it.
    public static func daypart(hour: Int) -> String {
        switch hour {
        case 0..<6: return "night"
        case 6..<12: return "morning"
        case 12..<18: return "afternoon"
        default: return "evening"
        }
    }

    static func popularByContext(_ columns: EventColumns, limit: Int, includes: (Int) -> Bool) -> [String: [Int64]] {
        let counted = EventType.allCases.map { countedForContext.contains($0) }
        var keys: [String] = []
        var keyIndex: [String: Int] = [:]
        func key(_ text: String) -> Int {
            if let known = keyIndex[text] { return known }
            keys.append(text)
            keyIndex[text] = keys.count - 1
            return keys.count - 1
        }
        let countryKeys = columns.countryNames.map { key("country:" + $0.lowercased()) }
        let deviceKeys = Device.allCases.map { key("device:" + $0.rawValue) }
        let daypartKeys = (0..<24).map { key("daypart:" + daypart(hour: $0)) }
        var counts = [[Int64: Int]](repeating: [:], count: keys.count)
        for index in 0..<columns.count where counted[Int(columns.typeCodes[index])] && includes(index) {
            let item = columns.itemPKs[index]
            if columns.countries[index] != 0 { counts[countryKeys[Int(columns.countries[index]) - 1]][item, default: 0] += 1 }
            if columns.devices[index] != 0 { counts[deviceKeys[Int(columns.devices[index]) - 1]][item, default: 0] += 1 }
            if columns.localHours[index] >= 0 { counts[daypartKeys[Int(columns.localHours[index])]][item, default: 0] += 1 }
        }
        var result: [String: [Int64]] = [:]
        for (index, items) in counts.enumerated() where !items.isEmpty {
            result[keys[index]] = items.sorted { ($0.value, -$0.key) > ($1.value, -$1.key) }.prefix(limit).map(\.key)
        }
        return result
    }

    /// The words describing each item, for content similarity (tokenized once, at load).
    public let itemText: [[String]]

    /// A training set from the events that `include` keeps (by index into `log`), with time
    /// decay and trending measured from `referenceTime`.
    /// `withSequences` also orders the kept events into those groupings, for sequence models.
    public func trainingSet(
        weights: EventWeights, referenceTime: Int64, withSequences: Set<SequenceGrouping> = [], include: (Int) -> Bool = { _ in true }
    ) -> TrainingSet {
        var kept = InteractionLog()
        for index in 0..<log.count where include(index) {
            kept.append(
                user: log.users[index], item: log.items[index], kind: log.kinds[index], value: log.values[index], time: log.times[index])
        }
        let matrix = weights.matrix(of: kept, users: userRows, items: catalog.count, referenceTime: referenceTime)
        var trending = weights
        trending.halfLifeDays = 7
        var recent = [Float](repeating: 0, count: catalog.count)
        for index in 0..<kept.count {
            let w = trending.weight(kept.kinds[index], value: kept.values[index])
            if w > 0 { recent[Int(kept.items[index])] += w * trending.decay(at: kept.times[index], referenceTime: referenceTime) }
        }
        return TrainingSet(
            interactions: matrix, recentActivity: recent, itemText: itemText,
            sequences: Dictionary(uniqueKeysWithValues: withSequences.map { ($0, sequences($0, weights: weights, include: include)) }))
    }

    /// The events `include` keeps that show interest (a positive weight: not impressions,
    /// returns or removals) as sequences in time order: by `.sessions`, a session's events, and
    /// a person's events without a session split into visits where they were idle for half an
    /// hour; by `.people`, everything a person (or an anonymous session's row) did.
    public func sequences(_ grouping: SequenceGrouping = .sessions, weights: EventWeights, include: (Int) -> Bool) -> ItemSequences {
        var indices: [Int] = []
        for index in 0..<log.count where include(index) && weights.weight(log.kinds[index], value: log.values[index]) > 0 {
            indices.append(index)
        }
        switch grouping {
        case .sessions:
            return ItemSequences.grouping(indices: indices, users: log.users, items: log.items, times: log.times, sessions: logSessions)
        case .people:
            return ItemSequences.grouping(
                indices: indices, users: log.users, items: log.items, times: log.times,
                sessions: [Int32](repeating: 0, count: log.count), idleGapMs: .max)
        }
    }
}
