import Hummingbird
import KindredEngine

/// `DELETE /v1/users/{id}` (erasure) and `GET /v1/users/{id}/data` (access): a person's rights,
/// for an administrator answering their request.
struct PeopleRoutes {
    let engine: Engine

    func add(to group: RouterGroup<KindredRequestContext>) {
        group.delete("users/{id}") { _, context -> Response in
            let report = try engine.acting(as: context.actor).forget(userID: try PathID.read("id", context))
            guard report.found else { throw APIError.nobodyHeld }
            return try JSONResponse.make(report)
        }

        group.get("users/{id}/data") { _, context -> Response in
            let (document, found) = try engine.acting(as: context.actor).export(userID: try PathID.read("id", context))
            guard found else { throw APIError.nobodyHeld }
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: document)))
        }
    }
}

extension APIError {
    /// Nothing is held about the id (never held, or erased); the request is still audited.
    static let nobodyHeld = APIError(
        .notFound, code: "unknown_person", message: "nothing is held about that id (never seen, or erased)", field: "id")
}
