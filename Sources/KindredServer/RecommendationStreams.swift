import Foundation
import Synchronization

/// The open recommendation streams (`GET /v1/users/{id}/recommendations/stream`), told when the
/// event writer files events of people: each stream then asks whether its person's list changed.
/// Signals are dropped rather than queued without bound when a stream falls behind: one
/// "something was filed" is as good as ten.
final class RecommendationStreams: Sendable {
    enum Signal: Sendable {
        /// Events of these profiles were filed and now count for fold-in.
        case filed(Set<Int64>)
        /// Time to show the connection is alive.
        case heartbeat
    }

    private let watchers = Mutex<[UUID: AsyncStream<Signal>.Continuation]>([:])

    func watch() -> (id: UUID, signals: AsyncStream<Signal>) {
        let (signals, continuation) = AsyncStream.makeStream(of: Signal.self, bufferingPolicy: .bufferingNewest(8))
        let id = UUID()
        watchers.withLock { $0[id] = continuation }
        return (id, signals)
    }

    /// Ends one stream's signals (its connection is done, or the server is stopping).
    func end(_ id: UUID) {
        watchers.withLock { $0.removeValue(forKey: id) }?.finish()
    }

    func beat(_ id: UUID) {
        _ = watchers.withLock { $0[id] }?.yield(.heartbeat)
    }

    /// From the event writer's thread, after a filing: never blocks it.
    func filed(_ people: [Int64]) {
        guard !people.isEmpty else { return }
        let everyone = watchers.withLock { Array($0.values) }
        guard !everyone.isEmpty else { return }
        let signal = Signal.filed(Set(people))
        for watcher in everyone { watcher.yield(signal) }
    }

    var count: Int { watchers.withLock { $0.count } }
}
