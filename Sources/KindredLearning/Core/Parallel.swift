import Dispatch

/// A pointer that parallel workers share, each writing only its own disjoint indices. The
/// caller's partitioning is what makes this safe, hence `@unchecked`.
public struct SharedPointer<Element>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Element>

    public init(_ base: UnsafeMutablePointer<Element>) {
        self.base = base
    }

    public subscript(index: Int) -> Element {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }
}

/// Runs `body(worker)` on `workers` threads and waits for all of them.
public enum Parallel {
    public static func run(workers: Int, _ body: @Sendable (Int) -> Void) {
        if workers <= 1 {
            body(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: workers, execute: body)
        }
    }
}
