import Foundation
import KindredStore

/// Runs a `WALCheckpointer` ten times a second on a thread of its own for as long as the
/// server's writer runs, so that copying the WAL into the file happens beside the writer
/// rather than inside its commits.
final class CheckpointLoop: @unchecked Sendable {
    static let interval = 0.1

    let checkpointer: WALCheckpointer
    private let onError: @Sendable (String) -> Void
    private let condition = NSCondition()
    private var stopping = false
    private var stopped = false

    init(checkpointer: WALCheckpointer, onError: @escaping @Sendable (String) -> Void) {
        self.checkpointer = checkpointer
        self.onError = onError
    }

    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "kindred-checkpoint"
        thread.start()
    }

    /// Stops the thread, waits for it, and closes the checkpointer: the writer checkpoints for
    /// itself again and the WAL is copied into the file.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
        do {
            try checkpointer.close()
        } catch {
            onError("could not copy the WAL into the database file on closing: \(error)")
        }
    }

    private func loop() {
        while true {
            condition.lock()
            if !stopping { _ = condition.wait(until: Date(timeIntervalSinceNow: Self.interval)) }
            let stop = stopping
            condition.unlock()
            if stop { break }
            do {
                try checkpointer.checkpoint()
            } catch {
                onError("could not copy the WAL into the database file (will try again): \(error)")
            }
        }
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
