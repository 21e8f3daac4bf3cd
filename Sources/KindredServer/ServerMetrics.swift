import Foundation
import Hummingbird
import Prometheus

/// What `/metrics` reports, in Prometheus text: requests and their latency per route, events
/// stored, impressions logged, the model serving, and training runs.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Latency buckets from 0.25 ms: recommendation requests are meant to take about 1 ms.
    static let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(1000), .seconds(5),
    ]
    static let trainingBuckets: [Duration] = [
        .seconds(1), .seconds(5), .seconds(15), .seconds(60), .seconds(300), .seconds(900), .seconds(3600),
    ]

    let eventsStored: Counter
    let eventsRejected: Counter
    let impressionsLogged: Counter
    let groupCommits: Counter
    let groupCommitSeconds: Counter
    let eventsFiled: Counter
    let filingSeconds: Counter
    let activeModelVersion: Gauge
    let eventsWaiting: Gauge
    let trainingRuns: [String: Counter]
    let trainingDuration: DurationHistogram

    init() {
        let registry = self.registry
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: .init(namespace: "kindred", metricName: name, unitName: "total", helpText: help))
        }
        eventsStored = counter("events_stored", "Events stored through the API.")
        eventsRejected = counter("events_rejected", "Events refused for bad fields.")
        impressionsLogged = counter("impressions_logged", "Recommended items logged as shown.")
        groupCommits = counter("group_commits", "Transactions of the event writer.")
        groupCommitSeconds = registry.makeCounter(
            descriptor: .init(
                namespace: "kindred", metricName: "group_commit", unitName: "seconds_total",
                helpText: "Time the event writer spent in group-commit transactions."))
        eventsFiled = counter("events_filed", "Events filed from event_inbox into events.")
        filingSeconds = registry.makeCounter(
            descriptor: .init(
                namespace: "kindred", metricName: "event_filing", unitName: "seconds_total",
                helpText: "Time the event writer spent filing event_inbox into events."))
        activeModelVersion = registry.makeGauge(
            descriptor: .init(
                namespace: "kindred", metricName: "serving_model_version", unitName: "",
                helpText: "The model version serving requests (0: none)."))
        eventsWaiting = registry.makeGauge(
            descriptor: .init(
                namespace: "kindred", metricName: "events_waiting", unitName: "",
                helpText: "Events acknowledged and waiting in event_inbox to be filed into events."))
        let runs = MetricNameDescriptor(
            namespace: "kindred", metricName: "training_runs", unitName: "total",
            helpText: "Scheduled and requested training runs by outcome.")
        var trainingRuns: [String: Counter] = [:]
        for outcome in ["trained", "skipped", "failed"] {
            trainingRuns[outcome] = registry.makeCounter(descriptor: runs, labels: [("outcome", outcome)])
        }
        self.trainingRuns = trainingRuns
        trainingDuration = registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "kindred", metricName: "training_duration", unitName: "seconds",
                helpText: "How long training runs took, from reading events to the new model being active."),
            labels: [], buckets: Self.trainingBuckets)
    }

    nonisolated(unsafe) private static let requests = MetricNameDescriptor(
        namespace: "kindred", metricName: "http_requests", unitName: "total", helpText: "HTTP requests by route, method and status.")
    nonisolated(unsafe) private static let durations = MetricNameDescriptor(
        namespace: "kindred", metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request latency by route.")

    func record(route: String, method: String, status: Int, nanoseconds: UInt64) {
        registry.makeCounter(descriptor: Self.requests, labels: [("route", route), ("method", method), ("status", String(status))])
            .increment()
        registry.makeDurationHistogram(
            descriptor: Self.durations, labels: [("route", route), ("method", method)], buckets: Self.latencyBuckets
        ).recordNanoseconds(Int64(nanoseconds))
    }

    func text() -> String { registry.emitToString() }
}

/// Counts every request and times it, labelled by the route pattern (`/v1/users/{id}/...`),
/// not the path, so that the number of series stays small.
struct MetricsRecordingMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        let response = try await next(request, context)
        // Paths no route answers are one series, whatever they were.
        let route = context.endpointPath.flatMap { path in RouteTable.routes.contains { $0.pattern == path } ? path : nil } ?? "unmatched"
        metrics.record(
            route: route, method: request.method.rawValue, status: response.status.code,
            nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
        return response
    }
}
