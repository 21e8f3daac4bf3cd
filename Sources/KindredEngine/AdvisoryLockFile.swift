import Foundation
import KindredStore

#if canImport(Glibc)
    import Glibc
#endif

/// An advisory `flock` on a file beside the database, which the kernel releases when the
/// process ends however it ends, so that a crash never leaves a stale lock. The file names the
/// process that holds it, for messages. `ServingLock` and `ImportLock` are made of it.
final class AdvisoryLockFile: @unchecked Sendable {
    let path: String
    private let lock = NSLock()
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Takes the lock, waiting for it when `wait` is set; returns nil (and the process named in
    /// the file, if any) when another holds it and `wait` is not set.
    static func acquire(_ path: String, wait: Bool) throws -> Result<AdvisoryLockFile, Held> {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw DataError(file: path, message: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        var result: Int32
        repeat { result = flock(descriptor, wait ? LOCK_EX : LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR && wait
        guard result == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            return .failure(Held(holder: holder?.isEmpty == false ? holder : nil))
        }
        let pid = Data("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        pid.withUnsafeBytes { _ = pwrite(descriptor, $0.baseAddress, pid.count, 0) }
        return .success(AdvisoryLockFile(path: path, descriptor: descriptor))
    }

    /// Whether another open file (in this process or another) holds the lock now.
    static func isHeld(_ path: String) -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    /// Someone else holds the lock: the process named in the file, when it says.
    struct Held: Error {
        var holder: String?
    }

    func release() {
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
