import Foundation
import KindredTestSupport
import Testing

@testable import KindredServer

/// `openapi.yaml` documents exactly the routes the server answers. (Schemathesis, run in CI
/// against a live server, holds the bodies and statuses to the document.)
@Suite struct OpenAPIDocumentTests {
    @Test func theDocumentListsEveryRouteAndNoOther() throws {
        let text = try String(contentsOfFile: Repository.root + "/openapi.yaml", encoding: .utf8)
        var documented: [String] = []
        var path: String?
        var inPaths = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, !line.isEmpty, !line.hasPrefix(" ") { break }
            if line.hasPrefix("  /"), line.hasSuffix(":") { path = String(line.dropFirst(2).dropLast()) }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("    "), !line.hasPrefix("     "), let path,
                let method = ["get", "post", "put", "delete", "patch"].first(where: { trimmed == "\($0):" })
            {
                documented.append("\(method.uppercased()) \(path)")
            }
        }
        let served = RouteTable.routes.map { "\($0.method) \($0.pattern)" }
        #expect(documented.sorted() == served.sorted())
    }

    @Test func pathsMatchPatternsSegmentBySegment() {
        #expect(RouteTable.methods(for: "/v1/items/P1") == ["PUT", "DELETE"])
        #expect(RouteTable.methods(for: "/v1/items/P1/similar") == ["GET"])
        #expect(RouteTable.methods(for: "/v1/items//similar") == [])
        #expect(RouteTable.methods(for: "/v1/nothing") == [])
    }
}
