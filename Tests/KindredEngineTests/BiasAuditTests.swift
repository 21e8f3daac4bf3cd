import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// A model version's bias report on a real database: measured as evaluation measures, stored
/// with the version, audited, and readable in the model_history view.
@Suite struct BiasAuditTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        engine = try SmallShop.engine(in: directory, trained: true)
    }

    @Test func theActiveVersionsReportIsStoredAndSharesAddUp() throws {
        var options = BiasAuditOptions()
        options.minimumPeople = 5
        let report = try engine.auditBias(options)
        let active = try engine.database.writer.read { db in try ModelRegistry.active(in: db) }!
        #expect(report.version == active.version && report.algorithm == active.algorithm && report.k == 10)
        #expect(report.people > 0)
        for name in ["category", "price_band", "item_age", "popularity_decile"] {
            let groups = try #require(report.exposure[name], "\(name)")
            // Every item the generator makes has a category and a price: the shares cover all.
            if name != "item_age" {
                #expect(abs(groups.reduce(0) { $0 + $1.exposureShare } - 1) < 1e-9, "\(name) exposure")
                #expect(abs(groups.reduce(0) { $0 + $1.relevanceShare } - 1) < 1e-9, "\(name) relevance")
            }
        }
        let deciles = report.exposure["popularity_decile"]!
        #expect(deciles.count == 10 && deciles.allSatisfy { abs($0.catalogShare - 0.1) < 0.01 })
        #expect(report.popularity.exposureGini > 0 && report.popularity.exposureGini < 1)
        #expect(report.accuracyGaps.map(\.grouping) == ["device", "country", "tenure"])
        for gap in report.accuracyGaps {
            #expect(gap.groups.reduce(0) { $0 + $1.people } <= report.people)
            for group in gap.groups { #expect(group.ndcgLow <= group.ndcg && group.ndcg <= group.ndcgHigh) }
        }

        // Stored with the version, in the view, and in the audit log.
        let stored = try engine.database.writer.read { db in try ModelBiasReports.report(version: report.version, in: db) }
        let json = try JSONSerialization.jsonObject(with: Data(try #require(stored).utf8)) as! [String: Any]
        #expect(((json["popularity"] as! [String: Any])["exposure_gini"] as! Double) == report.popularity.exposureGini)
        let gini = try DatabaseSnapshot.strings(
            "SELECT exposure_gini FROM model_history WHERE version = \(report.version)", in: engine.database)
        #expect(gini.count == 1 && abs(Double(gini[0])! - report.popularity.exposureGini) < 1e-12)
        #expect(try DatabaseSnapshot.count("audit_log", in: engine.database, where: "action = 'audit_bias'") == 1)

        // Seeded and deterministic: the same audit again is the same report (but for its time).
        var again = try engine.auditBias(options)
        again.seconds = report.seconds
        #expect(again == report)
        #expect(try DatabaseSnapshot.count("model_bias_reports", in: engine.database) == 1, "the latest audit replaces the earlier")
    }

    @Test func unknownVersionsAndBadOptionsAreRefused() throws {
        #expect {
            try engine.auditBias(BiasAuditOptions(version: 99))
        } throws: { error in (error as? RequestProblem)?.kind == .notFound }
        var options = BiasAuditOptions()
        options.k = 0
        #expect(throws: RequestProblem.self) { try engine.auditBias(options) }
    }
}
