import Foundation
import KindredStore

#if canImport(Glibc)
    import Glibc
#endif

/// One server per database file. Two servers on one file would each run their own event
/// writer, scheduler and retention, and their caches of people and items would go stale
/// behind each other's backs. The lock is an advisory `flock` on `<database>.serve.lock`,
/// which the kernel releases when the process ends however it ends, so a crash never leaves a
/// stale lock behind; the file also names the process that holds it, for the message.
public final class ServingLock: @unchecked Sendable {
    public let path: String
    private let lock = NSLock()
    private var descriptor: Int32

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

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Takes the lock for `databasePath`, or throws `Held` at once if a server has it.
    public static func acquire(for databasePath: String) throws -> ServingLock {
        let path = databasePath + ".serve.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw DataError(file: path, message: "cannot open the server's lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw Held(databasePath: databasePath, lockPath: path, holder: holder?.isEmpty == false ? holder : nil)
        }
        let pid = Data("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        pid.withUnsafeBytes { _ = pwrite(descriptor, $0.baseAddress, pid.count, 0) }
        return ServingLock(path: path, descriptor: descriptor)
    }

    /// Lets another server start; called when this one has stopped (and on deinit).
    public func release() {
        lock.withLock {
            guard descriptor >= 0 else { return }
            _ = ftruncate(descriptor, 0)
            flock(descriptor, LOCK_UN)
            close(descriptor)
            descriptor = -1
        }
    }

    deinit { release() }
}
