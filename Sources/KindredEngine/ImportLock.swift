import Foundation
import KindredStore

/// One import per database file at a time (`<database>.import.lock`, an
/// `AdvisoryLockFile`): whoever holds it owns every import stage in the file, so a stage found
/// while holding it was left by a process that is gone, and may be finished or cleaned up.
final class ImportLock: @unchecked Sendable {
    private let file: AdvisoryLockFile

    private init(file: AdvisoryLockFile) {
        self.file = file
    }

    static func lockPath(for databasePath: String) -> String { databasePath + ".import.lock" }

    /// Takes the lock, waiting for another import to end first (`onWait` is told who holds it).
    static func acquire(for databasePath: String, onWait: (String?) -> Void = { _ in }) throws -> ImportLock {
        let path = lockPath(for: databasePath)
        if case .success(let file) = try AdvisoryLockFile.acquire(path, wait: false) { return ImportLock(file: file) }
        onWait((try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines))
        switch try AdvisoryLockFile.acquire(path, wait: true) {
        case .success(let file): return ImportLock(file: file)
        case .failure: throw DataError(file: path, message: "could not take the import lock")
        }
    }

    /// Takes the lock if nobody holds it; nil when an import is running.
    static func tryAcquire(for databasePath: String) throws -> ImportLock? {
        if case .success(let file) = try AdvisoryLockFile.acquire(lockPath(for: databasePath), wait: false) { return ImportLock(file: file) }
        return nil
    }

    func release() { file.release() }
}
