import Hummingbird
import KindredEngine
import KindredStore

/// `POST /v1/users/{id}/preferences` (say or take back "not interested", "more like this", a
/// reason turned off) and `GET` of the same path (what the person has said). A person speaks for
/// themselves with their user token; the shop's admin key may act for anyone. A change is told
/// to the person's open streams, which send the list again without what they turned down.
struct PreferenceRoutes {
    let engine: Engine
    let streams: RecommendationStreams
    let configuration: ServerConfiguration

    func add(to group: RouterGroup<KindredRequestContext>) {
        group.post("users/{id}/preferences") { request, context -> Response in
            let body = try await request.bodyData(limit: configuration.maxBodyBytes)
            let (change, userPK) = try engine.setPreference(userID: try PathID.read("id", context), body: body, caller: context.caller)
            if change.outcome != "unchanged" { streams.filed([userPK]) }
            return try JSONResponse.make(change, status: change.outcome == "added" ? .created : .ok)
        }
        group.get("users/{id}/preferences") { _, context -> Response in
            let userID = try PathID.read("id", context)
            return try JSONResponse.make(PreferenceList(preferences: try engine.preferences(userID: userID, caller: context.caller)))
        }
    }

    struct PreferenceList: Encodable {
        var preferences: [PreferenceStore.Preference]
    }
}
