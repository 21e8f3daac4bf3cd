import Foundation
import GRDB
import HummingbirdTesting
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// One table of events, each sent as a one-event batch to `POST /v1/events` and imported as a
/// one-line JSON Lines file: both must accept the same ones and refuse the others with the
/// same field and the same words.
@Suite struct SharedFieldRulesTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness(train: false, users: 20, items: 20, events: 500)
    }

    /// Members added to a valid view event, and whether the event is then accepted.
    static let cases: [(members: String, accepted: Bool)] = [
        (#""user_id": "u1""#, true),
        (#""user_id": 123"#, false),
        (#""user_id": ["u1"]"#, false),
        (#""item_id": ["P00001"], "user_id": "u1""#, false),
        (#""item_id": {"id": "P00001"}"#, false),
        (#""item_id": "   ""#, false),
        (#""item_id": "\#(String(repeating: "é", count: 256))""#, true),
        (#""item_id": "\#(String(repeating: "x", count: 257))""#, false),
        (#""value": "2""#, false),
        (#""value": 2"#, true),
        (#""hour": 7.5"#, false),
        (#""hour": 25"#, false),
        (#""hour": 7"#, true),
        (#""ts": true"#, false),
        (#""ts": -5"#, false),
        (#""device": 3"#, false),
        (#""device": "toaster""#, false),
        (#""latitude": 91"#, false),
        (#""type": "rating", "value": 99"#, false),
        (#""type": "rating", "value": 4"#, true),
        (#""type": "scroll", "value": 1.5"#, false),
        (#""type": "dwell", "value": -1"#, false),
        (#""session_id": 77"#, false),
        (#""type": "purchase", "price": -3.5"#, false),
        (#""type": "purchase", "price": 3.5, "value": -1"#, true),
    ]

    static func event(_ n: Int, _ members: String) -> String {
        var base: [String: String] = [
            "type": #""view""#, "item_id": #""P00001""#, "ts": #""2026-11-20T10:00:00Z""#, "event_id": #""rule-\#(n)""#,
        ]
        // The case's members replace the base's of the same name.
        let object = try! RequestJSON.parse(Data("{\(members)}".utf8))
        guard case .object(let given) = object else { fatalError("a case is members of an object") }
        for key in given.keys { base[key] = nil }
        let baseText = base.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
        return "{\(baseText), \(members)}"
    }

    @Test func theAPIAndTheImportAcceptAndRefuseTheSameEvents() async throws {
        let key = harness.publicKey
        let apiOutcomes = try await harness.withServer { client, _ in
            var outcomes: [String?] = []
            for (n, testCase) in Self.cases.enumerated() {
                let response = try await client.call(.post, "/v1/events", key: key, json: #"{"events": [\#(Self.event(n, testCase.members))]}"#)
                let rejected = (response.object["rejected"] as? [[String: Any]])?.first
                outcomes.append(
                    rejected.map { "\($0["field"] as? String ?? "-"): \($0["message"] as? String ?? "")" })
            }
            return outcomes
        }
        for (n, testCase) in Self.cases.enumerated() {
            let file = harness.directory.write("case-\(n).jsonl", Self.event(n + 1000, testCase.members) + "\n")
            var importOutcome: String?
            do {
                _ = try harness.engine.importFile(at: file, request: ImportRequest(kind: .events, fileName: file, format: .jsonl))
            } catch let refused as ImportRefused {
                let error = refused.errors[0]
                importOutcome = "\(error.field ?? "-"): \(error.message)"
            }
            #expect((apiOutcomes[n] == nil) == testCase.accepted, "API, case \(testCase.members): \(apiOutcomes[n] ?? "accepted")")
            #expect(importOutcome == apiOutcomes[n], "case \(testCase.members): import \(importOutcome ?? "accepted"), API \(apiOutcomes[n] ?? "accepted")")
        }
    }
}
