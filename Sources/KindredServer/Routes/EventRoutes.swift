import Hummingbird
import KindredEngine

/// `POST /v1/events`: a storefront's batch of events.
struct EventRoutes {
    let engine: Engine
    let writer: GroupCommitWriter
    let configuration: ServerConfiguration
    let metrics: ServerMetrics

    func add(to group: RouterGroup<KindredRequestContext>) {
        group.post("events") { request, context -> Response in
            let body = try await request.bodyData(limit: configuration.maxBodyBytes)
            let report = try await engine.ingestEvents(body: body, maxEvents: configuration.maxBatchEvents, writer: writer, caller: context.caller)
            metrics.eventsStored.increment(by: Int64(report.stored))
            metrics.eventsRejected.increment(by: Int64(report.rejected.count))
            return try JSONResponse.make(report)
        }
    }
}
