import HTTPTypes
import Hummingbird

/// `GET /v1/tracker.js`: the page-side collector, without a key (a `<script>` tag sends none).
/// `?v=<version>` (the ETag's value) is cached for a year; the plain URL for an hour, then
/// revalidated with `If-None-Match`.
struct TrackerRoutes {
    func add(to router: Router<KindredRequestContext>) {
        router.get("v1/tracker.js") { request, _ -> Response in
            let etag = "\"\(TrackerScript.version)\""
            var headers: HTTPFields = [
                .eTag: etag, .contentType: "text/javascript; charset=utf-8", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ]
            headers[.cacheControl] =
                request.uri.queryParameters.get("v") == TrackerScript.version
                ? "public, max-age=31536000, immutable" : "public, max-age=3600"
            if let presented = request.headers[.ifNoneMatch], presented.split(separator: ",").contains(where: {
                $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "W/", with: "") == etag
            }) {
                return Response(status: .notModified, headers: headers)
            }
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: TrackerScript.bytes)))
        }
    }
}
