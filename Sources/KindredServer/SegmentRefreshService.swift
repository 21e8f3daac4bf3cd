import Foundation
import KindredEngine
import Logging
import ServiceLifecycle
import Synchronization

/// People whose events filing has stored since the segments last looked: the event writer adds
/// them as it files, the segment service takes them.
final class FiledPeople: Sendable {
    private let pending = Mutex<Set<Int64>>([])

    func add(_ people: [Int64]) {
        guard !people.isEmpty else { return }
        pending.withLock { $0.formUnion(people) }
    }

    /// Everyone added since the last call, in ascending order; empty when nobody was.
    func take() -> [Int64] {
        pending.withLock { people in
            defer { people.removeAll(keepingCapacity: true) }
            return people.sorted()
        }
    }
}

/// Keeps segments current while the server runs (`Engine.refreshSegments`), off the request
/// threads. A person is re-evaluated as soon as filing stores their events (the service looks
/// every `followEvery`; events filed while an update runs wait for the next one, so that updates
/// never pile up under load), and everyone in full every `every` (setting
/// `segments.refresh_seconds`, default 60; 0 turns both off), for rules over windows that
/// move as days pass without events.
struct SegmentRefreshService: Service {
    let engine: Engine
    let filed: FiledPeople
    let logger: Logger
    let every: Duration
    var followEvery: Duration = .milliseconds(250)

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            let clock = ContinuousClock()
            var nextFull = clock.now.advanced(by: every)
            while !Task.isCancelled {
                try await Task.sleep(for: followEvery)
                let people = filed.take()
                let full = clock.now >= nextFull
                guard full || !people.isEmpty else { continue }
                if full { nextFull = clock.now.advanced(by: every) }
                await refresh(filedPeople: full ? nil : people)
            }
        }
    }

    private func refresh(filedPeople: [Int64]?) async {
        let engine = self.engine
        let outcome = await onOwnThread(named: "kindred-segments") { try engine.refreshSegments(filedPeople: filedPeople) }
        switch outcome {
        case .success(let report) where report.moved + report.joined > 0:
            logger.info("segments refreshed", metadata: ["people": "\(report.people)", "moved": "\(report.moved)", "joined": "\(report.joined)"])
        case .success:
            break
        case .failure(let error):
            logger.error("segment refresh failed", metadata: ["error": "\(error)"])
        }
    }
}
