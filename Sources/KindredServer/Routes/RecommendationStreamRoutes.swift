import Foundation
import HTTPTypes
import Hummingbird
import KindredEngine
import KindredStore
import ServiceLifecycle

/// `GET /v1/users/{id}/recommendations/stream`: server-sent events. The current list at once,
/// then a new one whenever the person's filed events change it (fold-in, no retraining), and a
/// heartbeat comment in between. Speaks for a person, so a public key needs their token.
/// Every list sent is logged as shown, like any other response.
struct RecommendationStreamRoutes {
    let engine: Engine
    let writer: GroupCommitWriter
    let streams: RecommendationStreams
    let metrics: ServerMetrics
    let heartbeat: Double

    func add(to group: RouterGroup<KindredRequestContext>) {
        group.get("users/{id}/recommendations/stream") { request, context -> Response in
            let recommendation = try RecommendationRoutes.read(request, context)
            let userID = try PathID.read("id", context)
            try context.caller.requireActing(for: userID)
            let caller = context.caller
            // The first list before the answer starts, so that a bad request is a plain 4xx.
            let first = try engine.recommendForDisplay(recommendation, caller: caller)
            let (id, signals) = streams.watch()
            let headers: HTTPFields = [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("X-Accel-Buffering")!: "no",
            ]
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { body in
                    let beating = Task { [streams, heartbeat] in
                        while !Task.isCancelled {
                            try await Task.sleep(for: .milliseconds(Int(heartbeat * 1000)))
                            streams.beat(id)
                        }
                    }
                    defer {
                        beating.cancel()
                        streams.end(id)
                    }
                    try await withGracefulShutdownHandler {
                        try await body.write(ByteBuffer(string: "retry: 3000\n\n"))
                        var sent = try await send(first, to: &body)
                        var profile = try engine.profileKey(userID: userID)
                        for await signal in signals {
                            switch signal {
                            case .heartbeat:
                                try await body.write(ByteBuffer(string: ": heartbeat\n\n"))
                            case .filed(let people):
                                if profile == nil { profile = try engine.profileKey(userID: userID) }
                                guard let profile, people.contains(profile) else { continue }
                                let next = try engine.recommendForDisplay(recommendation, caller: caller)
                                if next.0.items.map(\.itemID) != sent { sent = try await send(next, to: &body) }
                            }
                        }
                    } onGracefulShutdown: {
                        // Ends the loop above, so that a stream never holds the server's shutdown.
                        streams.end(id)
                    }
                    try await body.finish(nil)
                })
        }
    }

    /// Writes one list as an event and logs it as shown; returns its item ids.
    private func send(_ list: (RecommendationResponse, ImpressionRecord), to body: inout any ResponseBodyWriter) async throws -> [String] {
        // The encoder's error for a number that is not finite ends the stream, as it fails the plain route.
        let json = try RecommendationJSON.encode(list.0) ?? Array(JSONResponse.encoder.encode(list.0))
        var event = ByteBuffer(string: "event: recommendations\nid: \(list.0.requestID ?? "")\ndata: ")
        event.writeBytes(json)
        event.writeString("\n\n")
        try await body.write(event)
        writer.log([list.1])
        metrics.impressionsLogged.increment(by: Int64(list.1.items.count))
        return list.0.items.map(\.itemID)
    }
}
