import Foundation
import KindredStore

/// Kindred's use cases over one database. The CLI and (later) the HTTP server both call these
/// functions, so that a command and a route that do the same thing share one implementation.
public final class Engine: Sendable {
    public let database: KindredDatabase
    public let clock: WallClock
    /// Who acts, for the audit log ("cli", "scheduler", "api:<key>").
    public let actor: String
    /// The active model as serving holds it.
    let servingCache: ServingModelCache
    /// The running experiments serving consults, shared like the model.
    let experimentsCache: RunningExperimentsCache
    /// The segments with a serving strategy, likewise.
    let strategiesCache: SegmentStrategiesCache
    /// The shop's re-ranking defaults, likewise.
    let servingSettingsCache: FreshValueCache<ServingSettings>
    /// What each segment took up this week, for page blocks.
    let segmentTrending: SegmentTrendingCache
    /// The business rules in force, parsed.
    let rulesCache: FreshValueCache<[CompiledRule]>
    /// Each surface's contextual bandit, solved.
    let bandits: ServingBandits
    /// The API keys and token secrets requests are checked against, likewise.
    let access: AccessCache

    init(
        database: KindredDatabase, clock: WallClock, actor: String, servingCache: ServingModelCache? = nil,
        experimentsCache: RunningExperimentsCache? = nil, strategiesCache: SegmentStrategiesCache? = nil,
        servingSettingsCache: FreshValueCache<ServingSettings>? = nil, segmentTrending: SegmentTrendingCache? = nil,
        rulesCache: FreshValueCache<[CompiledRule]>? = nil, bandits: ServingBandits? = nil, access: AccessCache? = nil
    ) {
        self.database = database
        self.clock = clock
        self.actor = actor
        self.servingCache = servingCache ?? ServingModelCache(database: database)
        self.experimentsCache = experimentsCache ?? RunningExperimentsCache()
        self.strategiesCache = strategiesCache ?? SegmentStrategiesCache()
        self.servingSettingsCache = servingSettingsCache ?? FreshValueCache()
        self.segmentTrending = segmentTrending ?? SegmentTrendingCache()
        self.rulesCache = rulesCache ?? FreshValueCache()
        self.bandits = bandits ?? ServingBandits()
        self.access = access ?? AccessCache()
    }

    /// The same engine (database, clock, model in memory) acting for someone else, so that
    /// the audit log names who did what: `api:<key id>` for a request with an admin key.
    public func acting(as actor: String) -> Engine {
        Engine(
            database: database, clock: clock, actor: actor, servingCache: servingCache, experimentsCache: experimentsCache,
            strategiesCache: strategiesCache, servingSettingsCache: servingSettingsCache,
            segmentTrending: segmentTrending, rulesCache: rulesCache, bandits: bandits, access: access)
    }

    /// Creates a new database and key file. Fails if the database exists; reuses a key file
    /// that exists already (a restored backup), which `createdKey` reports.
    public static func create(
        at location: DatabaseLocation, clock: WallClock = .system, actor: String = "cli"
    ) throws -> (engine: Engine, createdKey: Bool) {
        let now = clock.now()
        let (database, createdKey) = try KindredDatabase.create(
            at: location.databasePath, keyPath: location.keyPath, nowMs: now)
        try database.writer.write { db in
            try AuditLog.append(
                action: "init", actor: actor,
                details: ["database": location.databasePath, "key_file": location.keyPath, "new_key": createdKey],
                in: db, nowMs: now)
        }
        return (Engine(database: database, clock: clock, actor: actor), createdKey)
    }

    /// Opens an existing database (applying pending migrations).
    public static func open(at location: DatabaseLocation, clock: WallClock = .system, actor: String = "cli") throws -> Engine {
        let database = try KindredDatabase.open(at: location.databasePath, keyPath: location.keyPath, nowMs: clock.now())
        return Engine(database: database, clock: clock, actor: actor)
    }

    /// The pseudonym a raw user id is stored under, for looking a person up at the sqlite3 prompt.
    public func pseudonym(of rawUserID: String) -> String {
        database.pseudonymizer.pseudonym(of: rawUserID)
    }
}
