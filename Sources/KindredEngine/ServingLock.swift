import Foundation
import KindredStore

/// One server per database file. Two servers on one file would each run their own event
/// writer, scheduler and retention, and their caches of people and items would go stale
/// behind each other's backs. The lock is an advisory `flock` on `<database>.serve.lock`
/// (`AdvisoryLockFile`): it dies with the process, and the file names the process holding it.
public final class ServingLock: @unchecked Sendable {
    private let file: AdvisoryLockFile
    public var path: String { file.path }

    /// Another server holds the file.
    public struct Held: Error, CustomStringConvertible {
        public var databasePath: String
        public var lockPath: String
        public var holder: String?
        public var description: String {
            "another kindred serve is already running on \(databasePath)" + (holder.map { " (process \($0))" } ?? "")
                + "; stop it first, or serve a different database (the lock is \(lockPath) and goes away with that process)"
        }
    }

    private init(file: AdvisoryLockFile) {
        self.file = file
    }

    static func lockPath(for databasePath: String) -> String { databasePath + ".serve.lock" }

    /// Takes the lock for `databasePath`, or throws `Held` at once if a server has it.
    public static func acquire(for databasePath: String) throws -> ServingLock {
        let path = lockPath(for: databasePath)
        switch try AdvisoryLockFile.acquire(path, wait: false) {
        case .success(let file): return ServingLock(file: file)
        case .failure(let held): throw Held(databasePath: databasePath, lockPath: path, holder: held.holder)
        }
    }

    /// Whether a server is running on `databasePath` now (this process's own included).
    public static func isHeld(for databasePath: String) -> Bool {
        AdvisoryLockFile.isHeld(lockPath(for: databasePath))
    }

    /// Lets another server start; called when this one has stopped (and on deinit).
    public func release() {
        file.release()
    }
}
