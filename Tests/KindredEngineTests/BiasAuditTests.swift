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

    /// With cluster segments built, accuracy is compared between them too: one group per live
    /// segment, each person counted in the segment they are in.
    @Test func segmentsAreAGroupingOfPeople() throws {
        var segments = SegmentBuildOptions()
        segments.k = 3
        _ = try engine.buildSegments(segments)
        let (membership, keys) = try engine.database.writer.read { db in
            (try SegmentStore.clusterMembership(in: db), try SegmentStore.liveSegments(in: db).map(\.key))
        }
        var options = BiasAuditOptions()
        options.minimumPeople = 5
        options.resamples = 100
        let report = try engine.auditBias(options)
        let gap = try #require(report.accuracyGaps.first { $0.grouping == "segment" })
        #expect(Set(gap.groups.map(\.group)).isSubset(of: Set(keys.map { $0.lowercased() })) && !gap.groups.isEmpty)
        #expect(gap.groups.reduce(0) { $0 + $1.people } <= min(report.people, membership.count))
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
        // People by device, country and tenure, and by live cluster segment when the shop has them.
        let membership = try engine.database.writer.read { db in try SegmentStore.clusterMembership(in: db) }
        #expect(report.accuracyGaps.map(\.grouping) == ["device", "country", "tenure"] + (membership.isEmpty ? [] : ["segment"]))
        for gap in report.accuracyGaps {
            #expect(gap.groups.reduce(0) { $0 + $1.people } <= report.people)
            for group in gap.groups { #expect(group.ndcgLow <= group.ndcg && group.ndcg <= group.ndcgHigh) }
            // Equal opportunity: each group's share of its held-out items found, and their spread.
            let rates = gap.groups.filter { $0.people >= gap.minimumPeople }.compactMap(\.truePositiveRate)
            #expect(gap.groups.allSatisfy { ($0.truePositiveRate ?? -1) >= 0 && ($0.truePositiveRate ?? 2) <= 1 })
            #expect(abs((gap.equalOpportunityDifference ?? -1) - ((rates.max() ?? 0) - (rates.min() ?? 0))) < 1e-12)
            // Demographic parity of long-tail exposure, likewise.
            let selections = gap.groups.filter { $0.people >= gap.minimumPeople }.compactMap(\.selectionRate)
            #expect(gap.groups.allSatisfy { ($0.selectionRate ?? -1) >= 0 && ($0.selectionRate ?? 2) <= 1 })
            #expect(abs((gap.demographicParityDifference ?? -1) - ((selections.max() ?? 0) - (selections.min() ?? 0))) < 1e-12)
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

    /// serving.long_tail_share re-ranks what people are shown and what the audit measures alike.
    @Test func theLongTailQuotaRaisesTheTailsShareInServingAndInTheAudit() throws {
        var options = BiasAuditOptions()
        options.minimumPeople = 5
        let before = try engine.auditBias(options)
        _ = try engine.setSetting("serving.long_tail_share", to: "0.5")
        let after = try engine.auditBias(options)
        #expect(after.reranking == "long tail at least 0.5")
        #expect(after.popularity.longTailShare > before.popularity.longTailShare + 0.2, "\(before.popularity) -> \(after.popularity)")
        let serving = try #require(try engine.database.writer.read { db in try engine.servingCache.model(in: db) })
        for number in 1...20 {
            let list = try engine.recommend(RecommendationRequest(userID: String(format: "c%05d", number), k: 10))
            let tail = list.items.filter { serving.itemLongTail[Int(serving.itemIndexByID[$0.itemID]!)] }.count
            // Five of ten, as far as the hundred candidates retrieval proposes hold tail items.
            let pool = try engine.recommend(RecommendationRequest(userID: String(format: "c%05d", number), k: 100)).items
            let tailInPool = pool.filter { serving.itemLongTail[Int(serving.itemIndexByID[$0.itemID]!)] }.count
            #expect(tail >= min(5, tailInPool), "c\(number): \(tail) tail items of \(list.items.count), \(tailInPool) in the pool")
        }
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

/// The shop's limits on bias hold back activation by training and by hand, with the reason recorded.
@Suite struct BiasGateTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        engine = try SmallShop.engine(in: directory, trained: true)
    }

    func train() throws -> TrainReport {
        var options = TrainOptions()
        options.algorithm = AlgorithmSpec(name: "als", parameters: ["factors": 16, "iterations": 5])
        options.activationMargin = 1
        return try engine.train(options)
    }

    @Test func trainingStoresTheValidatedModelsReportAndALimitHoldsActivationBack() throws {
        #expect(try train().activated)
        let first = try engine.database.writer.read { db in try ModelRegistry.active(in: db) }!
        let stored = try engine.database.writer.read { db in try ModelBiasReports.report(version: first.version, in: db) }
        let report = try #require(stored.flatMap(BiasReport.fromStored), "training keeps the validated model's report")
        #expect(report.version == first.version && report.popularity.exposureGini > 0.1)

        _ = try engine.setSetting("models.max_exposure_gini", to: "0.1")
        let trained = try train()
        #expect(!trained.activated)
        #expect(trained.reason.hasPrefix("bias gate: exposure Gini "), "\(trained.reason)")
        #expect(trained.reason.contains("above the shop's limit 0.1 (models.max_exposure_gini)"))
        let second = try engine.database.writer.read { db in try ModelRegistry.record(version: trained.version, in: db) }!
        #expect(second.status == "rejected" && second.statusReason == trained.reason)

        #expect {
            try engine.activate(version: trained.version)
        } throws: { error in
            (error as? RequestProblem)?.code == "bias_gate" && (error as? RequestProblem)?.kind == .conflict
        }
        try engine.activate(version: trained.version, force: true)
        let forced = try DatabaseSnapshot.strings(
            "SELECT json_extract(details, '$.forced') || ' ' || json_extract(details, '$.bias_gate') FROM audit_log WHERE action = 'activate'",
            in: engine.database)
        #expect(forced.count == 1 && forced[0].hasPrefix("1 bias gate: exposure Gini"), "\(forced)")
        #expect(try engine.database.writer.read { db in try ModelRegistry.active(in: db) }?.version == trained.version)

        _ = try engine.setSetting("models.max_exposure_gini", to: "1")
        try engine.activate(version: first.version)
        #expect(throws: RequestProblem.self) { try engine.setSetting("models.max_ndcg_gap", to: "2") }
    }
}
