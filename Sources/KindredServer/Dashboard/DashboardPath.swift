/// Where the dashboard lives in the addresses the browser sees: `/dashboard` on a server of
/// one shop, `/shops/NAME/dashboard` on a server of a folder of shops, whose responder sets it
/// for each request it hands a shop. A task-local, so that every page, link, redirect and
/// cookie path is written for the address the browser used, while the routes themselves stay
/// registered under `/dashboard`.
enum DashboardPath {
    @TaskLocal static var base = "/dashboard"

    /// The browser's address of a path as the routes see it (`/dashboard/x` → base + `/x`).
    static func external(_ routed: String) -> String {
        guard routed.hasPrefix("/dashboard") else { return routed }
        return base + routed.dropFirst("/dashboard".count)
    }
}
