import Foundation
import KindredStore

/// The one writer of events and impressions while the server runs. Requests hand it their
/// events and wait; it takes everything that queued up while the previous transaction was
/// committing and writes it in one transaction (group commit). A request is answered only
/// after its transaction committed, so an acknowledged event survives a crash of the process.
///
/// Events go to `event_inbox` first (see migration 0004) and are filed into `events` in
/// batches: before the answer when the server is quiet (a small group and nothing else
/// waiting, so that at light load an acknowledged event is in `events` when its answer
/// arrives); after a short pause without requests; under load every couple of seconds or
/// 100,000 events, whichever comes first, in transactions of at most 100,000 between groups of
/// requests; and at start and stop (see `FilingPolicy`). Events are written and filed without
/// SQLite's foreign-key checks, as their references hold by construction (`ForeignKeyChecks`).
///
/// Impressions ride the same transactions but nobody waits for them: logging what was shown
/// never slows a recommendation response. Impressions alone wait a moment for company
/// (`ImpressionBatching`); events, which someone waits for, take them along at once.
///
/// It runs on a thread of its own: SQLite blocks, and the async executor's few threads belong
/// to requests. Another thread copies the WAL into the database file meanwhile (`CheckpointLoop`).
public final class GroupCommitWriter: @unchecked Sendable {
    public struct Statistics: Sendable, Equatable {
        /// Transactions that carried requests' events or impressions.
        public var commits = 0
        public var eventsStored = 0
        /// Events moved from the inbox into `events`, and the transactions that moved them.
        public var eventsFiled = 0
        public var filings = 0
        /// Events acknowledged and waiting in the inbox to be filed.
        public var eventsWaiting = 0
        public var duplicates = 0
        /// Responses logged as shown.
        public var impressions = 0
        /// Responses whose impressions could not be written (reported, never retried).
        public var impressionsDropped = 0
        /// Batches refused because the queue was full or the database stayed locked.
        public var batchesRefusedBusy = 0
        /// Events and request bytes waiting to be answered, now.
        public var queuedEvents = 0
        public var queuedBytes = 0
    }

    /// When the inbox is filed into `events`.
    public struct FilingPolicy: Sendable {
        /// Under load, the inbox is filed at least this often (seconds), or when it holds this
        /// many rows; one filing transaction takes at most `batch` rows. Most of filing's cost
        /// is the per-person index: nearly every event lands on a page of its own there, and each
        /// page a transaction dirties is written out once however many events it took. So larger
        /// transactions cost less per event and hold the writer (and the answers waiting on it)
        /// longer; docs/benchmarks.md has the events per second and p99 of 50,000 and 100,000
        /// under `bench/events.sh`.
        public var interval = 2.0
        public var rows = 100_000
        public var batch = 100_000
        /// An inbox this small after a commit, with nothing else waiting, is filed before the
        /// answer goes out; and a pause this long (seconds) without requests counts as quiet.
        public var quietRows = 400
        public var quietPause = 0.05

        public init() {}
    }

    /// How long impressions alone may wait before they are committed. Every commit writes each
    /// page it touched to the WAL again (the log's table and index leaves, the rollups), and the
    /// checkpointer copies it again: one transaction per response cost a third of a core at
    /// 1,000 responses a second. Nobody waits for an impression, and an event that arrives
    /// meanwhile commits them with it, in order, so a click is never stored before the list it
    /// was on. Readers see an impression at most `linger` seconds later.
    public struct ImpressionBatching: Sendable {
        public var linger = 0.05
        /// Responses that commit at once, however recent the first of them.
        public var responses = 256

        public init(linger: Double = 0.05, responses: Int = 256) {
            self.linger = linger
            self.responses = responses
        }
    }

    /// How much may wait for the writer at once: events and request bytes from the moment a
    /// batch is handed over until it is answered. A batch that would go past either is refused
    /// at once, so that a stalled writer (a lock held by another program) costs bounded memory.
    /// A batch is always taken when nothing waits, however large.
    public struct QueueLimits: Sendable, Equatable {
        public var events = 200_000
        public var bytes = 64 << 20

        public init(events: Int = 200_000, bytes: Int = 64 << 20) {
            self.events = events
            self.bytes = bytes
        }
    }

    /// Nothing of the batch was written: the queue was full, or the database stayed locked by
    /// another connection past its busy timeout. The client should send it again later.
    public struct Busy: Error, CustomStringConvertible {
        public var reason: String
        public var retryAfterSeconds: Int
        public var description: String { reason }
    }

    /// The writer is closing or closed: the server is shutting down.
    public struct Closed: Error, CustomStringConvertible {
        public var description: String { "the server is shutting down and takes no more events" }
    }

    private enum Job {
        case events([EventDraft], bytes: Int, CheckedContinuation<EventBatchSession.Outcome, any Error>)
        case impressions([ImpressionRecord])
        /// Favourite categories counted on a reader (`recountFavourites`), to store; and the
        /// people whose count failed, to count again.
        case favourites(counted: [ProfileStore.FavouriteCategories], failed: [Int64])
    }

    private let database: KindredDatabase
    private let clock: WallClock
    private let condition = NSCondition()
    private var pending: [Job] = []
    private let limits: QueueLimits
    /// Events and bytes handed over and not answered yet (under `condition`).
    private var queuedEvents = 0
    private var queuedBytes = 0
    private var accepting = true
    private var running = false
    private var drained: [CheckedContinuation<Void, Never>] = []
    /// Callers of `settle`, waiting for the inbox to be filed and profiles recounted.
    private var settling: [CheckedContinuation<Void, Never>] = []
    private var stats = Statistics()
    /// People whose favourite categories await a recount (writer thread only).
    private var staleFavourites = Set<Int64>()
    /// What waits in the inbox (writer thread only, and `start` before the thread runs).
    private let inbox = EventInboxKeys()
    /// Keys of people and items, trusted while only this writer changes the database.
    private let identities = IdentityCache()
    /// Copies the WAL into the file beside the writer, from `start` until closing.
    private var checkpoints: CheckpointLoop?
    private var oldestUnfiledAt: Double?
    /// After a failed filing, the next try waits until then (monotonic seconds).
    private var filingRetryAt = 0.0
    static let filingRetryDelay = 5.0
    private let filing: FilingPolicy
    private let impressionBatching: ImpressionBatching
    /// When the oldest impression waiting alone was queued (monotonic seconds), and how many
    /// responses wait (under `condition`).
    private var impressionsWaitingSince: Double?
    private var impressionsWaiting = 0
    private var favouritesRefreshedAt = WallClock.monotonicSeconds()
    /// A recount runs on a reader and its counts have not come back yet (writer thread only).
    private var favouritesInFlight = false
    /// How often favourite categories catch up with new events, and how many profiles one
    /// pass recounts at most: small passes keep the writer from stalling behind them.
    static let favouritesInterval = 1.0
    static let favouritesPerPass = 256
    /// Called after each group commit with the seconds its transaction took, and after each
    /// filing with the events filed, its seconds and the profiles whose events it filed (live
    /// recommendation streams); outside any lock.
    private let onCommit: @Sendable (_ seconds: Double) -> Void
    private let onFiling: @Sendable (_ events: Int, _ seconds: Double, _ people: [Int64]) -> Void
    /// Called with errors that no request can be told about (impressions).
    private let onError: @Sendable (String) -> Void

    public init(
        database: KindredDatabase, clock: WallClock, filing: FilingPolicy = FilingPolicy(), limits: QueueLimits = QueueLimits(),
        impressions: ImpressionBatching = ImpressionBatching(),
        onCommit: @escaping @Sendable (_ seconds: Double) -> Void = { _ in },
        onFiling: @escaping @Sendable (_ events: Int, _ seconds: Double, _ people: [Int64]) -> Void = { _, _, _ in },
        onError: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.database = database
        self.clock = clock
        self.filing = filing
        self.impressionBatching = impressions
        self.limits = limits
        self.onCommit = onCommit
        self.onFiling = onFiling
        self.onError = onError
    }

    /// Files what an earlier run left in the inbox (a crash), then starts the writer thread.
    /// Events that cannot be filed now stay in the inbox, reported through `onError`, and are
    /// tried again later. Call once, before any `write`.
    public func start() throws {
        guard condition.withLock({ !running && accepting }) else { return }
        try database.writer.read { db in try inbox.load(in: db) }
        if inbox.count > 0 {
            oldestUnfiledAt = WallClock.monotonicSeconds()
            fileInbox(all: true)
        }
        let checkpoints = CheckpointLoop(checkpointer: try WALCheckpointer(database: database), onError: onError)
        checkpoints.start()
        self.checkpoints = checkpoints
        condition.withLock { running = true }
        let thread = Thread { [self] in loop() }
        thread.name = "kindred-writer"
        thread.start()
    }

    /// Stores a batch of events and returns once they are committed. `bytes` is the size of
    /// the request that carried them, counted against `QueueLimits.bytes`. Throws `Busy` when
    /// the queue is full (at once) or the database stayed locked (after the busy timeout);
    /// nothing of the batch is stored then.
    public func write(_ drafts: [EventDraft], bytes: Int = 0) async throws -> EventBatchSession.Outcome {
        if drafts.isEmpty { return EventBatchSession.Outcome() }
        return try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            guard accepting, running else {
                condition.unlock()
                continuation.resume(throwing: Closed())
                return
            }
            let waiting = queuedEvents > 0 || queuedBytes > 0
            if waiting && (queuedEvents + drafts.count > limits.events || queuedBytes + bytes > limits.bytes) {
                let reason =
                    "the event writer is behind (\(queuedEvents) events, \(queuedBytes) bytes waiting; limits \(limits.events) and \(limits.bytes)); nothing was stored, send the batch again shortly"
                stats.batchesRefusedBusy += 1
                condition.unlock()
                continuation.resume(throwing: Busy(reason: reason, retryAfterSeconds: 1))
                return
            }
            queuedEvents += drafts.count
            queuedBytes += bytes
            pending.append(.events(drafts, bytes: bytes, continuation))
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
        impressionsWaiting += 1
        // The writer needs waking for the first of them and when enough wait; in between it
        // sleeps out the linger.
        if impressionsWaitingSince == nil {
            impressionsWaitingSince = WallClock.monotonicSeconds()
            condition.signal()
        } else if impressionsWaiting >= impressionBatching.responses {
            condition.signal()
        }
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

    /// Returns once everything acknowledged so far is filed into `events` and every touched
    /// profile's favourite categories are recounted. Serving what happens next then reads a
    /// state that depends only on what was written, not on how busy the writer was: the
    /// simulator settles after each batch so that the same seed gives the same events. A
    /// filing that fails (it stays in the inbox, reported through `onError`) does not hold it up.
    public func settle() async {
        await withCheckedContinuation { continuation in
            condition.lock()
            if running {
                settling.append(continuation)
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
        var current = stats
        current.queuedEvents = queuedEvents
        current.queuedBytes = queuedBytes
        return current
    }

    private func loop() {
        while true {
            condition.lock()
            // Sleep until work arrives, unless the inbox or profiles wait: idle time is for them.
            // Clients under load send their next batch as soon as they are answered, so the
            // inbox is filed only after a pause without requests.
            while pending.isEmpty && accepting && settling.isEmpty && (staleFavourites.isEmpty || favouritesInFlight) && inbox.count == 0 {
                condition.wait()
            }
            if pending.isEmpty && !settling.isEmpty {
                if favouritesInFlight {
                    // A recount's counts are on their way as a job: store them first.
                    condition.wait()
                    condition.unlock()
                    continue
                }
                let waiting = settling
                settling = []
                condition.unlock()
                fileInbox(all: true)
                while !staleFavourites.isEmpty { recountFavouritesNow() }
                waiting.forEach { $0.resume() }
                continue
            }
            if pending.isEmpty && accepting && inbox.count > 0 {
                let now = WallClock.monotonicSeconds()
                let due = (oldestUnfiledAt ?? now) + filing.interval - now
                let wait = max(0, min(filing.quietPause, due), filingRetryAt - now)
                _ = condition.wait(until: Date(timeIntervalSinceNow: wait))
                // Woken before the pause was over with nothing to do (condition variables may
                // wake spuriously, more so on a loaded machine): it was not quiet yet, so wait
                // out the rest instead of filing now.
                if pending.isEmpty && accepting && WallClock.monotonicSeconds() < now + wait {
                    condition.unlock()
                    continue
                }
            }
            if pending.isEmpty && accepting {
                condition.unlock()
                if inbox.count > 0 && WallClock.monotonicSeconds() >= filingRetryAt {
                    fileInbox(all: true)
                } else {
                    recountFavourites()
                }
                continue
            }
            if pending.isEmpty && favouritesInFlight {
                // Closing, and a recount's counts are on their way: they come as a job.
                condition.wait()
                condition.unlock()
                continue
            }
            if pending.isEmpty {
                // Closing: file the inbox, bring every profile up to date, then stop.
                condition.unlock()
                fileInbox(all: true)
                while !staleFavourites.isEmpty { recountFavouritesNow() }
                condition.lock()
                guard pending.isEmpty else {
                    condition.unlock()
                    continue
                }
                running = false
                condition.unlock()
                checkpoints?.stop()
                checkpoints = nil
                condition.lock()
                let waiting = drained + settling
                drained = []
                settling = []
                condition.unlock()
                waiting.forEach { $0.resume() }
                return
            }
            if let since = impressionsWaitingSince, lingers(since: since) {
                _ = condition.wait(until: Date(timeIntervalSinceNow: since + impressionBatching.linger - WallClock.monotonicSeconds()))
                condition.unlock()
                continue
            }
            let jobs = pending
            pending = []
            impressionsWaitingSince = nil
            impressionsWaiting = 0
            condition.unlock()
            let started = WallClock.monotonicSeconds()
            let results = commit(jobs)
            let seconds = WallClock.monotonicSeconds() - started
            // Filed before the answer only when that is cheap: a quiet server, a small inbox.
            let idle = condition.withLock { pending.isEmpty } && inbox.count <= filing.quietRows
            let retrying = WallClock.monotonicSeconds() < filingRetryAt
            if idle && !retrying {
                fileInbox(all: true)
                deliver(results, seconds: seconds)
            } else {
                deliver(results, seconds: seconds)
                let due = oldestUnfiledAt.map { WallClock.monotonicSeconds() - $0 >= filing.interval } ?? false
                if (due || inbox.count >= filing.rows) && !retrying { fileInbox(all: false) }
            }
            if WallClock.monotonicSeconds() - favouritesRefreshedAt > Self.favouritesInterval { recountFavourites() }
            finishCheckpoint()
        }
    }

    /// Whether what is pending is impressions alone that may wait longer for company: the server
    /// is not closing or settling, too few wait, and the oldest is younger than the linger.
    /// Called under `condition`.
    private func lingers(since: Double) -> Bool {
        guard accepting, settling.isEmpty, impressionsWaiting < impressionBatching.responses,
            WallClock.monotonicSeconds() < since + impressionBatching.linger
        else { return false }
        return pending.allSatisfy {
            if case .impressions = $0 { return true }
            return false
        }
    }

    /// Moves events from the inbox into `events`: everything (in batches), or one batch. A
    /// failure leaves them in the inbox, safe, for the next try.
    private func fileInbox(all: Bool) {
        while inbox.count > 0 {
            do {
                let started = WallClock.monotonicSeconds()
                let (filed, last) = try identities.transaction(in: database.writer, foreignKeys: .trusted) { db in
                    try EventInbox.file(limit: filing.batch, nowMs: clock.now(), identities: identities, in: db)
                }
                checkpoints?.checkpointer.largeCommitMade()
                onFiling(filed.stored, WallClock.monotonicSeconds() - started, filed.touchedUsers)
                EventInbox.finishFiling(through: last, keys: inbox)
                staleFavourites.formUnion(filed.touchedUsers)
                condition.withLock {
                    stats.filings += 1
                    stats.eventsFiled += filed.stored
                    stats.eventsWaiting = inbox.count
                }
            } catch {
                filingRetryAt = WallClock.monotonicSeconds() + Self.filingRetryDelay
                onError(
                    "could not file \(inbox.count) events from the inbox into events (they stay in the inbox; next try in \(Int(Self.filingRetryDelay)) s): \(error)"
                )
                return
            }
            oldestUnfiledAt = inbox.count > 0 ? WallClock.monotonicSeconds() : nil
            if !all { return }
        }
    }

    /// Lets the WAL start again from its beginning when the checkpointer has copied nearly all
    /// of it (see `WALCheckpointer`).
    private func finishCheckpoint() {
        do {
            try checkpoints?.checkpointer.finishCheckpoint()
        } catch {
            onError("could not copy the WAL into the database file (will try again): \(error)")
        }
    }

    /// Recounts the favourite categories of people whose events were filed since their last
    /// recount, a few hundred per pass: profiles' counters are current once their events are
    /// filed, favourite categories a second or two later. The counting reads each person's
    /// history, so it runs on a reader, beside this thread; the counts come back as a job and
    /// are stored with the next group of requests.
    private func recountFavourites() {
        favouritesRefreshedAt = WallClock.monotonicSeconds()
        guard !favouritesInFlight, !staleFavourites.isEmpty else { return }
        let people = Array(staleFavourites.prefix(Self.favouritesPerPass))
        staleFavourites.subtract(people)
        favouritesInFlight = true
        DispatchQueue.global(qos: .utility).async { [self] in
            let job: Job
            do {
                let counted = try database.writer.read { db in try ProfileStore.countFavouriteCategories(of: people, in: db) }
                job = .favourites(counted: counted, failed: [])
            } catch {
                onError("could not recount favourite categories of \(people.count) profiles (will try again): \(error)")
                job = .favourites(counted: [], failed: people)
            }
            condition.withLock {
                pending.append(job)
                condition.signal()
            }
        }
    }

    /// The same in one transaction on this thread, for closing.
    private func recountFavouritesNow() {
        let people = Array(staleFavourites.prefix(Self.favouritesPerPass))
        staleFavourites.subtract(people)
        do {
            try identities.transaction(in: database.writer) { db in try ProfileStore.refreshFavouriteCategories(of: people, in: db) }
        } catch {
            onError("could not recount favourite categories of \(people.count) profiles: \(error)")
        }
    }

    private typealias Result = (job: Job, outcome: Swift.Result<EventBatchSession.Outcome?, any Error>)

    /// Writes the jobs in one transaction; if that fails, writes each alone so that one
    /// failing request cannot fail the others. A database locked by another connection fails
    /// them all at once, as `Busy`: trying each alone would wait out the busy timeout once per
    /// request. Nobody is answered yet (`deliver`).
    private func commit(_ jobs: [Job]) -> [Result] {
        do {
            let outcomes = try transaction(jobs)
            return zip(jobs, outcomes).map { ($0, .success($1)) }
        } catch {
            if StoreError.isBusy(error) {
                let busy = Busy(
                    reason: "the database is locked by another connection (\(error)); nothing was stored, send the batch again shortly",
                    retryAfterSeconds: 2)
                return jobs.map { ($0, .failure(busy)) }
            }
            guard jobs.count > 1 else { return [(jobs[0], .failure(error))] }
            return jobs.map { job in
                do {
                    return (job, .success(try transaction([job])[0]))
                } catch {
                    return (job, .failure(error))
                }
            }
        }
    }

    private func transaction(_ jobs: [Job]) throws -> [EventBatchSession.Outcome?] {
        let now = clock.now()
        // Events' people are found or created in this very transaction, so their references
        // hold without SQLite checking them (a tenth of the writer's time); an impression names
        // a person a request read earlier, who may have been erased since, so a group with
        // impressions is checked.
        let logsImpressions = jobs.contains {
            if case .impressions = $0 { return true }
            return false
        }
        let outcomes: [EventBatchSession.Outcome?]
        do {
            outcomes = try identities.transaction(in: database.writer, foreignKeys: logsImpressions ? .enforced : .trusted) {
                db -> [EventBatchSession.Outcome?] in
                let session = try EventBatchSession(db: db, nowMs: now, inbox: inbox, identities: identities)
                var outcomes: [EventBatchSession.Outcome?] = []
                var shown: [ImpressionRecord] = []
                for job in jobs {
                    switch job {
                    case .events(let drafts, _, _):
                        outcomes.append(try session.write(drafts))
                    case .impressions(let records):
                        shown += records
                        outcomes.append(nil)
                    case .favourites(let counted, _):
                        try ProfileStore.store(counted, in: db)
                        outcomes.append(nil)
                    }
                }
                try ImpressionStore.write(shown, identities: identities, in: db)
                return outcomes
            }
        } catch {
            inbox.discard()
            throw error
        }
        inbox.commit()
        if oldestUnfiledAt == nil, inbox.count > 0 { oldestUnfiledAt = WallClock.monotonicSeconds() }
        return outcomes
    }

    /// Answers the requests and reports the impressions of committed (or failed) jobs.
    private func deliver(_ results: [Result], seconds: Double) {
        let carriesRequests = results.contains {
            if case .favourites = $0.job { return false }
            return true
        }
        condition.lock()
        if carriesRequests { stats.commits += 1 }
        stats.eventsWaiting = inbox.count
        for (job, result) in results {
            if case .events(let drafts, let bytes, _) = job {
                queuedEvents -= drafts.count
                queuedBytes -= bytes
                if case .failure(let error) = result, error is Busy { stats.batchesRefusedBusy += 1 }
            }
            guard case .success(let outcome) = result else { continue }
            switch job {
            case .events:
                stats.eventsStored += outcome?.stored ?? 0
                stats.duplicates += outcome?.duplicates ?? 0
            case .impressions(let records):
                stats.impressions += records.count
            case .favourites:
                break
            }
        }
        condition.unlock()
        for (job, result) in results {
            switch (job, result) {
            case (.events(_, _, let continuation), .success(let outcome)):
                continuation.resume(returning: outcome ?? EventBatchSession.Outcome())
            case (.events(_, _, let continuation), .failure(let error)):
                continuation.resume(throwing: error)
            case (.impressions, .success):
                break
            case (.impressions(let records), .failure(let error)):
                condition.withLock { stats.impressionsDropped += records.count }
                onError("could not log \(records.count) impressions: \(error)")
            case (.favourites(_, let failed), .success):
                favouritesInFlight = false
                staleFavourites.formUnion(failed)
            case (.favourites(let counted, let failed), .failure(let error)):
                favouritesInFlight = false
                staleFavourites.formUnion(failed + counted.map(\.userPK))
                onError("could not store the favourite categories of \(counted.count) profiles (will count again): \(error)")
            }
        }
        onCommit(seconds)
    }
}
