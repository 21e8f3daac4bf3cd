import Foundation

/// Reusable float buffers for per-query scoring. A catalog-sized buffer is too large for
/// malloc's heap, so a fresh one per query costs an mmap, page faults and an munmap; a few
/// kept buffers, taken and returned under a lock, avoid all three.
public final class ScratchPool: @unchecked Sendable {
    public static let shared = ScratchPool()

    private let lock = NSLock()
    private var buffers: [[Float]] = []
    private let keep = 8

    /// A buffer of exactly `count` floats (contents unspecified).
    public func take(count: Int) -> [Float] {
        lock.lock()
        let reused = buffers.firstIndex { $0.count == count }.map { buffers.remove(at: $0) }
        lock.unlock()
        return reused ?? [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// A buffer of `count` floats for a pool whose users give buffers back cleared to 0: only a
    /// fresh buffer needs zeroing, so this is all zeros.
    public func takeZeroed(count: Int) -> [Float] {
        lock.lock()
        let reused = buffers.firstIndex { $0.count == count }.map { buffers.remove(at: $0) }
        lock.unlock()
        return reused ?? [Float](repeating: 0, count: count)
    }

    public func give(_ buffer: [Float]) {
        lock.lock()
        if buffers.count < keep { buffers.append(buffer) }
        lock.unlock()
    }
}
