import Foundation

/// The one place Engine reads the time, so that tests can fix it.
public struct WallClock: Sendable {
    public let now: @Sendable () -> Int64

    public init(now: @escaping @Sendable () -> Int64) {
        self.now = now
    }

    /// Unix milliseconds from the system clock.
    public static let system = WallClock { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// A monotonic reading in seconds, for durations.
    public static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}
