import Foundation
import KindredStore

/// The one writer of events and impressions while the server runs. Requests hand it their
/// events and wait; it takes everything that queued up while the previous transaction was
/// committing and writes it in one transaction (group commit). A request is answered only
/// after its transaction committed, so an acknowledged event survives a crash of the process.
///
/// Impressions ride the same transactions but nobody waits for them: logging what was shown
/// never slows a recommendation response.
///
/// It runs on a thread of its own: SQLite blocks, and the async executor's few threads belong
/// to requests.
public final class GroupCommitWriter: @unchecked Sendable {
    public struct Statistics: Sendable, Equatable {
        public var commits = 0
        public var eventsStored = 0
        public var duplicates = 0
        /// Responses logged as shown.
        public var impressions = 0
        /// Responses whose impressions could not be written (reported, never retried).
        public var impressionsDropped = 0
    }

    /// The writer is closing or closed: the server is shutting down.
    public struct Closed: Error, CustomStringConvertible {
        public var description: String { "the server is shutting down and takes no more events" }
    }

    private enum Job {
        case events([EventDraft], CheckedContinuation<EventBatchSession.Outcome, any Error>)
        case impressions([ImpressionRecord])
    }

    private let database: KindredDatabase
    private let clock: WallClock
    private let condition = NSCondition()
    private var pending: [Job] = []
    private var accepting = true
    private var running = false
    private var drained: [CheckedContinuation<Void, Never>] = []
    private var stats = Statistics()
    /// People whose favourite categories await a recount (writer thread only).
    private var staleFavourites = Set<Int64>()
    private var favouritesRefreshedAt = WallClock.monotonicSeconds()
    /// How often favourite categories catch up with new events, and how many profiles one
    /// pass recounts at most: small passes keep the writer from stalling behind them.
    static let favouritesInterval = 1.0
    static let favouritesPerPass = 256
    /// Called after each commit, outside any lock.
    private let onCommit: @Sendable () -> Void
    /// Called with errors that no request can be told about (impressions).
    private let onError: @Sendable (String) -> Void

    public init(
        database: KindredDatabase, clock: WallClock, onCommit: @escaping @Sendable () -> Void = {},
        onError: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.database = database
        self.clock = clock
        self.onCommit = onCommit
        self.onError = onError
    }

    /// Starts the writer thread.
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !running, accepting else { return }
        running = true
        let thread = Thread { [self] in loop() }
        thread.name = "kindred-writer"
        thread.start()
    }

    /// Stores a batch of events and returns once they are committed.
    public func write(_ drafts: [EventDraft]) async throws -> EventBatchSession.Outcome {
        if drafts.isEmpty { return EventBatchSession.Outcome() }
        return try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            guard accepting, running else {
                condition.unlock()
                continuation.resume(throwing: Closed())
                return
            }
            pending.append(.events(drafts, continuation))
            condition.signal()
            condition.unlock()
        }
    }

    /// Queues what a response showed; returns at once.
    public func log(_ impressions: [ImpressionRecord]) {
        guard !impressions.isEmpty else { return }
        condition.lock()
        defer { condition.unlock() }
        guard accepting, running else {
            stats.impressionsDropped += impressions.count
            return
        }
        pending.append(.impressions(impressions))
        condition.signal()
    }

    /// Stops taking work, writes everything queued, brings every profile up to date, and
    /// returns when the last commit is done.
    public func close() async {
        await withCheckedContinuation { continuation in
            condition.lock()
            accepting = false
            if running {
                drained.append(continuation)
                condition.signal()
                condition.unlock()
            } else {
                condition.unlock()
                continuation.resume()
            }
        }
    }

    public var statistics: Statistics {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    private func loop() {
        while true {
            condition.lock()
            // Sleep until work arrives, unless profiles await a recount: idle time is for that.
            while pending.isEmpty && accepting && staleFavourites.isEmpty { condition.wait() }
            if pending.isEmpty && accepting {
                condition.unlock()
                refreshFavourites()
                continue
            }
            if pending.isEmpty {
                // Closing: bring every profile up to date, then stop.
                condition.unlock()
                while !staleFavourites.isEmpty { refreshFavourites() }
                condition.lock()
                guard pending.isEmpty else {
                    condition.unlock()
                    continue
                }
                running = false
                let waiting = drained
                drained = []
                condition.unlock()
                waiting.forEach { $0.resume() }
                return
            }
            let jobs = pending
            pending = []
            condition.unlock()
            commit(jobs)
            if WallClock.monotonicSeconds() - favouritesRefreshedAt > Self.favouritesInterval { refreshFavourites() }
        }
    }

    /// Recounts the favourite categories of people whose events arrived since their last
    /// recount, a few hundred per pass, in a transaction of its own: profiles' counters are
    /// current at every commit, favourite categories about a second later.
    private func refreshFavourites() {
        favouritesRefreshedAt = WallClock.monotonicSeconds()
        guard !staleFavourites.isEmpty else { return }
        let people = Array(staleFavourites.prefix(Self.favouritesPerPass))
        staleFavourites.subtract(people)
        do {
            try database.writer.write { db in try ProfileStore.refreshFavouriteCategories(of: people, in: db) }
        } catch {
            onError("could not recount favourite categories of \(people.count) profiles: \(error)")
        }
    }

    /// Writes the jobs in one transaction; if that fails, writes each alone so that one
    /// failing request cannot fail the others.
    private func commit(_ jobs: [Job]) {
        do {
            let outcomes = try transaction(jobs)
            finish(jobs, outcomes)
        } catch {
            guard jobs.count > 1 else {
                fail(jobs[0], error)
                return
            }
            for job in jobs {
                do {
                    finish([job], try transaction([job]))
                } catch {
                    fail(job, error)
                }
            }
        }
    }

    private func transaction(_ jobs: [Job]) throws -> [EventBatchSession.Outcome?] {
        let now = clock.now()
        let (outcomes, touched) = try database.writer.write { db -> ([EventBatchSession.Outcome?], [Int64]) in
            let session = try EventBatchSession(db: db, nowMs: now)
            var outcomes: [EventBatchSession.Outcome?] = []
            var shown: [ImpressionRecord] = []
            for job in jobs {
                switch job {
                case .events(let drafts, _):
                    outcomes.append(try session.write(drafts))
                case .impressions(let records):
                    shown += records
                    outcomes.append(nil)
                }
            }
            let touched = try session.finish()
            try ImpressionStore.write(shown, in: db)
            return (outcomes, touched)
        }
        staleFavourites.formUnion(touched)
        return outcomes
    }

    private func finish(_ jobs: [Job], _ outcomes: [EventBatchSession.Outcome?]) {
        condition.lock()
        stats.commits += 1
        for (job, outcome) in zip(jobs, outcomes) {
            switch job {
            case .events:
                stats.eventsStored += outcome?.stored ?? 0
                stats.duplicates += outcome?.duplicates ?? 0
            case .impressions(let records):
                stats.impressions += records.count
            }
        }
        condition.unlock()
        for (job, outcome) in zip(jobs, outcomes) {
            if case .events(_, let continuation) = job { continuation.resume(returning: outcome ?? EventBatchSession.Outcome()) }
        }
        onCommit()
    }

    private func fail(_ job: Job, _ error: any Error) {
        switch job {
        case .events(_, let continuation):
            continuation.resume(throwing: error)
        case .impressions(let records):
            condition.lock()
            stats.impressionsDropped += records.count
            condition.unlock()
            onError("could not log \(records.count) impressions: \(error)")
        }
    }
}
