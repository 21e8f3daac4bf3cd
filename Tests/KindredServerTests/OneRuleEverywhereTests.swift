import Foundation
import GRDB
import HummingbirdTesting
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// The API and the import refuse and accept the same things: ids, identifying attribute
/// names at any depth, ratings.
@Suite struct OneRuleEverywhereTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness(train: false, users: 40, items: 30, events: 1_000)
    }

    @Test func identifyingNamesAreDroppedAtEveryDepthAndOnEveryPath() async throws {
        let admin = harness.adminKey
        let status = try await harness.withServer { client, _ in
            let body = #"""
                {"title": "Lamp", "price": 12.5, "colour": "red", "ip_address": "10.1.2.3", "shopper_name": "Ann",
                 "attributes": {"user_id": "u-42", "size": "L", "contact": {"email": "ann@example.com"},
                                "batches": [{"buyer": "Bob", "lot": 7}]}}
                """#
            return try await client.call(.put, "/v1/items/LAMP-1", key: admin, json: body).status
        }
        #expect(status == .ok || status == .created)
        let attributes = try await harness.database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT attributes FROM items WHERE item_id = 'LAMP-1'")!
        }
        for leaked in ["u-42", "ann@example.com", "Bob", "10.1.2.3", "Ann"] {
            #expect(!attributes.contains(leaked), "\(leaked) reached the file: \(attributes)")
        }
        for kept in ["red", "size", "lot"] { #expect(attributes.contains(kept), "\(kept) was lost: \(attributes)") }

        // The import: the same names, the same filter.
        let csv = harness.directory.write(
            "catalog.csv",
            "item_id,title,ip_address,shopper_name,Contact Name,product_name,details\nLAMP-2,Lamp,10.9.9.9,Cy,Dee,Big Lamp,\"{\"\"email\"\": \"\"cy@example.com\"\", \"\"watts\"\": 40}\"\n")
        _ = try harness.engine.importFile(at: csv, request: ImportRequest(kind: .catalog, fileName: "catalog.csv", format: .csv))
        let imported = try await harness.database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT attributes FROM items WHERE item_id = 'LAMP-2'")!
        }
        for leaked in ["10.9.9.9", "Cy", "Dee", "cy@example.com"] { #expect(!imported.contains(leaked), "\(leaked): \(imported)") }
        #expect(imported.contains("Big Lamp") && imported.contains("watts"), "\(imported)")
    }

    @Test func anIdTheImportStoredCanBeErasedOverHTTP() async throws {
        let longest = String(repeating: "ü", count: 256)
        let csv = harness.directory.write("events.csv", "user_id,item_id,type,ts\n\(longest),P00001,view,2026-11-01T10:00:00Z\n")
        _ = try harness.engine.importFile(at: csv, request: ImportRequest(kind: .events, fileName: "events.csv", format: .csv))
        let (admin, publicKey) = (harness.adminKey, harness.publicKey)
        let encoded = longest.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let tooLong = String(repeating: "x", count: 257)
        let (erased, pathRefused, bodyRefused) = try await harness.withServer { client, _ in
            (
                try await client.call(.delete, "/v1/users/\(encoded)", key: admin),
                try await client.call(.get, "/v1/users/\(tooLong)/data", key: admin),
                try await client.call(
                    .post, "/v1/events", key: publicKey,
                    json: #"{"events": [{"type": "view", "user_id": "\#(tooLong)", "item_id": "P00001", "ts": "2026-11-01T10:00:00Z"}]}"#)
            )
        }
        #expect(erased.status == .ok, "\(erased.text)")
        #expect(erased.object["found"] as? Bool == true)
        #expect(pathRefused.status == .badRequest)
        let pathMessage = pathRefused.error["message"] as? String ?? ""
        #expect(pathMessage.contains("1 to 256 characters"))
        let rejected = bodyRefused.object["rejected"] as? [[String: Any]] ?? []
        #expect(rejected.first?["field"] as? String == "user_id")
        let bodyMessage = rejected.first?["message"] as? String ?? ""
        #expect(bodyMessage.contains("longer than 256 characters"))
    }

    @Test func kHasTheSameBoundsOverHTTP() async throws {
        let publicKey = harness.publicKey
        let (most, tooMany) = try await harness.withServer { client, _ in
            (
                try await client.call(.get, "/v1/users/someone/recommendations?k=1000", key: publicKey),
                try await client.call(.get, "/v1/users/someone/recommendations?k=1001", key: publicKey)
            )
        }
        #expect(most.status != .badRequest)
        #expect(tooMany.status == .badRequest)
    }
}
