import KindredEngine
import Synchronization

/// The experiment reports the dashboard computed last, one per experiment, so that opening an
/// experiment's page again within minutes does not read every exposed person's events again.
/// The Engine decides when one is too old; this only remembers.
final class DashboardReports: Sendable {
    private let reports = Mutex<[String: Engine.DashboardReport]>([:])
    /// Experiments remembered at most; the one computed longest ago goes first.
    let capacity = 200

    func last(_ key: String) -> Engine.DashboardReport? { reports.withLock { $0[key] } }

    func keep(_ report: Engine.DashboardReport, for key: String) {
        reports.withLock { reports in
            if reports[key] == nil, reports.count >= capacity, let oldest = reports.min(by: { $0.value.computedMs < $1.value.computedMs })?.key {
                reports.removeValue(forKey: oldest)
            }
            reports[key] = report
        }
    }
}
