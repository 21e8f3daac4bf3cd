import Foundation
import KindredStore

/// Holds the loaded active model and swaps it atomically when the active version (or the
/// catalog) changes: a query sees either the old model or the new one, never a mix.
///
/// A one-shot command loads the model where it first needs it. A server never makes a request
/// wait for a load: once a model is held, a newer version or catalog is loaded on a thread of
/// its own while requests keep being answered from the model held, and swapped in when ready.
public final class ServingModelCache: @unchecked Sendable {
    private let database: KindredDatabase
    private let lock = NSLock()
    private var current: ServingModel?
    private var loadingKey: String?
    private var backgroundRefresh = false
    private var onSwap: (@Sendable (ServingModel) -> Void)?
    /// Versions other than the active one that running experiments serve, by version.
    private var others: [Int64: ServingModel] = [:]
    private var loadingOthers: Set<Int64> = []

    init(database: KindredDatabase) {
        self.database = database
    }

    /// Switches to loading new versions in the background (the server's mode); `onSwap` hears
    /// of each model swapped in.
    func refreshInBackground(onSwap: (@Sendable (ServingModel) -> Void)? = nil) {
        lock.withLock {
            backgroundRefresh = true
            self.onSwap = onSwap
        }
    }

    /// The model for the active version, loading it if the version or catalog changed.
    func model(database: KindredDatabase) throws -> ServingModel? {
        try database.writer.read { db in try model(in: db) }
    }

    /// The same, inside the caller's read transaction (one per query).
    func model(in db: StoreConnection) throws -> ServingModel? {
        guard let version = try ModelRegistry.activeVersion(in: db) else { return nil }
        let stamp = try ServingModel.stamp(in: db)
        let (cached, background) = lock.withLock { (current, backgroundRefresh) }
        if let cached, cached.record.version == version, cached.catalogStamp == stamp { return cached }
        if background, let cached {
            startLoading(version: version, stamp: stamp)
            return cached
        }
        guard let record = try ModelRegistry.record(version: version, in: db) else { return nil }
        let loaded = try ServingModel(record: record, in: db)
        swap(in: loaded)
        return loaded
    }

    /// Loads the active version now unless it is held already: the scheduler calls this after
    /// training, and the server before it takes requests, so that no request pays for a load.
    func warm() throws {
        let needed = try database.writer.read { db -> ModelVersionRecord? in
            guard let version = try ModelRegistry.activeVersion(in: db) else { return nil }
            let stamp = try ServingModel.stamp(in: db)
            if let held = lock.withLock({ current }), held.record.version == version, held.catalogStamp == stamp { return nil }
            return try ModelRegistry.record(version: version, in: db)
        }
        guard needed != nil else { return }
        let loaded = try database.writer.read { db -> ServingModel? in
            guard let version = try ModelRegistry.activeVersion(in: db), let record = try ModelRegistry.record(version: version, in: db)
            else { return nil }
            return try ServingModel(record: record, in: db)
        }
        if let loaded { swap(in: loaded) }
    }

    var heldVersion: Int64? { lock.withLock { current?.record.version } }

    /// A version an experiment variant serves, inside the caller's read transaction. The
    /// active version is the active model. Another is loaded where it is first needed by a
    /// one-shot command; a server loads it on a thread of its own and answers nil until it
    /// is ready (the request gets the default, and the person is not counted as exposed).
    func model(version: Int64, in db: StoreConnection) throws -> ServingModel? {
        if try ModelRegistry.activeVersion(in: db) == version { return try model(in: db) }
        let stamp = try ServingModel.stamp(in: db)
        let (cached, background) = lock.withLock { (others[version], backgroundRefresh) }
        if let cached, cached.catalogStamp == stamp { return cached }
        if background {
            startLoading(other: version)
            return cached
        }
        guard let record = try ModelRegistry.record(version: version, in: db) else { return nil }
        let loaded = try ServingModel(record: record, in: db)
        lock.withLock { others[version] = loaded }
        return loaded
    }

    /// Loads the versions running experiments serve and lets go of the rest: the scheduler
    /// calls this after training, and the server before it takes requests.
    func warmOthers(_ versions: Set<Int64>) throws {
        let active = try database.writer.read { db in try ModelRegistry.activeVersion(in: db) }
        let wanted = versions.subtracting(active.map { [$0] } ?? [])
        lock.withLock { others = others.filter { wanted.contains($0.key) } }
        for version in wanted {
            let loaded = try database.writer.read { db -> ServingModel? in
                let stamp = try ServingModel.stamp(in: db)
                if let held = lock.withLock({ others[version] }), held.catalogStamp == stamp { return nil }
                guard let record = try ModelRegistry.record(version: version, in: db) else { return nil }
                return try ServingModel(record: record, in: db)
            }
            if let loaded { lock.withLock { others[version] = loaded } }
        }
    }

    private func startLoading(other version: Int64) {
        let start = lock.withLock { loadingOthers.insert(version).inserted }
        guard start else { return }
        let thread = Thread { [self] in
            defer { _ = lock.withLock { loadingOthers.remove(version) } }
            let loaded = try? database.writer.read { db -> ServingModel? in
                guard let record = try ModelRegistry.record(version: version, in: db) else { return nil }
                return try ServingModel(record: record, in: db)
            }
            if let loaded { lock.withLock { others[version] = loaded } }
        }
        thread.name = "kindred-model-load"
        thread.start()
    }

    /// Drops a person from the model held (a withdrawal, an erasure); a model loaded later
    /// leaves them out by itself.
    func drop(userPK: Int64) {
        let held = lock.withLock { [current].compactMap { $0 } + Array(others.values) }
        for model in held { model.drop(userPK: userPK) }
    }

    /// Forgets the held model (one-shot mode only: a server keeps serving the one it holds).
    func invalidate() {
        lock.withLock {
            if !backgroundRefresh {
                current = nil
                others = [:]
            }
        }
    }

    private func swap(in model: ServingModel) {
        let hook = lock.withLock { () -> (@Sendable (ServingModel) -> Void)? in
            current = model
            return onSwap
        }
        hook?(model)
    }

    private func startLoading(version: Int64, stamp: String?) {
        let key = "\(version)/\(stamp ?? "")"
        let start = lock.withLock { () -> Bool in
            guard loadingKey == nil else { return false }
            loadingKey = key
            return true
        }
        guard start else { return }
        let thread = Thread { [self] in
            defer { lock.withLock { loadingKey = nil } }
            try? warm()
        }
        thread.name = "kindred-model-load"
        thread.start()
    }
}
