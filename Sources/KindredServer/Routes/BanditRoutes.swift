import Hummingbird
import KindredEngine

/// The contextual bandits for administrators: what `kindred bandit status`, `reset` and
/// `replay` do, through the same Engine functions.
struct BanditRoutes {
    let engine: Engine

    struct Versions: Encodable {
        var bandits: [BanditStatus]
    }

    struct Started: Encodable {
        var version: Int64
        var retired: Int64?
    }

    func add(to group: RouterGroup<KindredRequestContext>) {
        group.get("bandits") { _, _ -> Response in
            try JSONResponse.make(Versions(bandits: try engine.banditStatus()))
        }
        group.post("bandits/:surface/reset") { request, context -> Response in
            let surface = try context.parameters.require("surface")
            let started = try engine.acting(as: context.actor).resetBandit(surface: surface)
            return try JSONResponse.make(Started(version: started.version, retired: started.retired))
        }
        group.get("impressions/:request_id/replay") { _, context -> Response in
            try JSONResponse.make(try engine.replayList(requestID: try context.parameters.require("request_id")))
        }
    }
}
