import Hummingbird
import KindredEngine

/// `GET /healthz` (no key: for load balancers) and `GET /metrics` (Prometheus text).
struct OperationRoutes {
    let engine: Engine
    let writer: GroupCommitWriter
    let metrics: ServerMetrics

    struct Health: Codable {
        var status: String
        var servingVersion: Int64?
    }

    func addHealth(to router: Router<KindredRequestContext>) {
        router.get("healthz") { _, _ -> Response in
            try JSONResponse.make(Health(status: "ok", servingVersion: engine.servingVersion))
        }
    }

    func addMetrics(to group: RouterGroup<KindredRequestContext>) {
        group.get("metrics") { _, _ -> Response in
            metrics.activeModelVersion.set(Double(engine.servingVersion ?? 0))
            metrics.eventsWaiting.set(Double(writer.statistics.eventsWaiting))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.text())))
        }
    }
}
