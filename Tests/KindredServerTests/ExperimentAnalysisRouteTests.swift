import Foundation
import HTTPTypes
import HummingbirdTesting
import KindredTestSupport
import NIOCore
import Testing

@testable import KindredEngine

/// `POST /v1/experiments/analyze` and `GET /v1/experiments/plan`: what the CLI answers, for
/// administrators only, refusing bad input by line and field.
@Suite struct ExperimentAnalysisRouteTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness(train: false, users: 120, items: 60, events: 3000)
    }

    static let csv = "variant,users,conversions\ncontrol,10000,400\npersonal,10050,470\n"

    @Test func analyzeAnswersWhatTheEngineComputesForTheSameFile() async throws {
        let (adminKey, publicKey, harness) = (harness.adminKey, harness.publicKey, self.harness)
        let file = try VariantSummaryFile.parse(Data(Self.csv.utf8), file: "x")
        let expected = try Engine.analyzeSummaries(file, request: AnalysisRequest(weights: [1, 1], options: .init(correction: .holm)))
        try await harness.withServer { client, _ in
            let headers: HTTPFields = [.authorization: "Bearer \(adminKey)", .contentType: "text/csv"]
            let response = try await client.execute(
                uri: "/v1/experiments/analyze?weights=1,1&correction=holm", method: .post, headers: headers,
                body: ByteBuffer(string: Self.csv))
            #expect(response.status == .ok, "\(response.text)")
            let body = response.object
            #expect(body["method"] as? String == "two_proportion_z")
            let variants = body["variants"] as! [[String: Any]]
            let relative = variants[1]["relative"] as! [String: Double]
            // JSON carries the shortest decimal that reads back as the same double; the parser
            // here may land one unit in the last place away.
            func same(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) <= 1e-15 * max(1, abs(b)) } ?? false }
            #expect(same(relative["effect"], expected.variants[1].relative!.effect))
            #expect(same(relative["p_value"], expected.variants[1].relative!.pValue))
            #expect(same((body["srm"] as! [String: Any])["p_value"] as? Double, expected.srm.pValue))
            #expect((body["summary"] as! [String]) == expected.summary)

            let storefront = try await client.execute(
                uri: "/v1/experiments/analyze", method: .post, headers: [.authorization: "Bearer \(publicKey)"],
                body: ByteBuffer(string: Self.csv))
            #expect(storefront.status == .forbidden, "a public key does not reach admin statistics")
        }
    }

    @Test func analyzeRefusesWhatTheCommandRefuses() async throws {
        let (adminKey, harness) = (harness.adminKey, self.harness)
        try await harness.withServer { client, _ in
            func post(_ body: String, _ query: String = "") async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/experiments/analyze" + query, method: .post, headers: [.authorization: "Bearer \(adminKey)"],
                    body: ByteBuffer(string: body))
            }
            let badCount = try await post("variant,users,conversions\ncontrol,100,5\nb,100,x\n")
            #expect(badCount.status == .badRequest)
            #expect(badCount.error["field"] as? String == "conversions")
            #expect((badCount.error["message"] as? String ?? "").hasPrefix("line 3: 'x' is not a whole number"))
            let empty = try await post("")
            #expect(empty.status == .badRequest && (empty.error["message"] as? String ?? "").contains("empty"))
            let weights = try await post(Self.csv, "?weights=1,1,1")
            #expect(weights.status == .badRequest && weights.error["field"] as? String == "weights")
            let level = try await post(Self.csv, "?level=1.5")
            #expect(level.status == .badRequest && level.error["field"] as? String == "level")
            let correction = try await post(Self.csv, "?correction=bonferroni")
            #expect(correction.status == .badRequest && correction.error["field"] as? String == "correction")
            let tuning = try await post(Self.csv, "?sequential=true&tuning=5e-324")
            #expect(tuning.status == .badRequest && tuning.error["field"] as? String == "tuning")
            let huge = try await post("variant,users,mean,sd\na,10,1e300,1\nb,10,1,1\n")
            #expect(huge.status == .badRequest && huge.error["field"] as? String == "mean")
        }
    }

    @Test func planUsesTheShopsTrafficLikeTheCommand() async throws {
        let (adminKey, harness) = (harness.adminKey, self.harness)
        let expected = try harness.engine.plan(PlanRequest(baseline: 0.05, lift: 0.2))
        #expect(expected.eligiblePeoplePerDay ?? 0 > 0, "the generated shop has people in its last 28 days")
        try await harness.withServer { client, _ in
            let response = try await client.call(.get, "/v1/experiments/plan?baseline=0.05&lift=0.2", key: adminKey)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.object["people_per_variant"] as? Int == expected.peoplePerVariant)
            #expect(response.object["days"] as? Int == expected.days)
            let missing = try await client.call(.get, "/v1/experiments/plan?baseline=0.05", key: adminKey)
            #expect(missing.status == .badRequest && missing.error["field"] as? String == "lift")
            let bad = try await client.call(.get, "/v1/experiments/plan?baseline=2&lift=0.1", key: adminKey)
            #expect(bad.status == .badRequest && bad.error["field"] as? String == "baseline")
            // A lift too small to ever detect once stopped the server (schemathesis found it).
            let tiny = try await client.call(.get, "/v1/experiments/plan?baseline=0.5&lift=5e-324", key: adminKey)
            #expect(tiny.status == .badRequest && tiny.error["field"] as? String == "lift")
            // So did a confidence level or alpha so close to the edge that 1 - alpha/2 rounds to 1.
            let edge = try await client.execute(
                uri: "/v1/experiments/analyze?level=0.9999999999999999", method: .post, headers: [.authorization: "Bearer \(adminKey)"],
                body: ByteBuffer(string: Self.csv))
            #expect(edge.status == .badRequest && edge.error["field"] as? String == "level")
            let alpha = try await client.call(.get, "/v1/experiments/plan?baseline=0.5&lift=0.1&alpha=1e-300", key: adminKey)
            #expect(alpha.status == .badRequest && alpha.error["field"] as? String == "alpha")
            // And a traffic share so small that the days overflowed.
            let share = try await client.call(.get, "/v1/experiments/plan?baseline=0.5&lift=0.1&traffic_share=5e-324", key: adminKey)
            #expect(share.status == .badRequest && share.error["field"] as? String == "traffic_share")
            #expect(try await client.call(.get, "/healthz").status == .ok)
        }
    }
}
