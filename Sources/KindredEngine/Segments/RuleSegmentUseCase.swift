import Foundation
import KindredStore

/// What defining or refreshing a rule segment did.
public struct RuleSegmentReport: Sendable, Codable, Equatable {
    public var key: String
    public var name: String
    public var rule: String
    public var members: Int
    public var joined: Int
    public var left: Int
}

extension Engine {
    /// Defines (or redefines) a segment by a rule over features, and puts in it everyone with
    /// analytics consent whose features match now. The rule is parsed before anything is
    /// written; an error names the character and the column. Audited.
    public func defineSegment(key: String, rule: String, name: String? = nil) throws -> RuleSegmentReport {
        guard key.range(of: "^[a-z0-9][a-z0-9_-]{0,63}$", options: .regularExpression) != nil else {
            throw RequestProblem(
                .invalid, code: "invalid_key", message: "a segment key is 1 to 64 lowercase letters, digits, _ or -", field: "key")
        }
        guard !key.hasPrefix("cluster-") else {
            throw RequestProblem(.invalid, code: "invalid_key", message: "keys starting with cluster- belong to segments builds", field: "key")
        }
        let (rows, columns, _) = try featureRows(FeatureQuery())
        let parsed = try SegmentRule(rule, columns: columns.map(\.name))
        let now = clock.now()
        let report = try database.writer.write { db -> RuleSegmentReport in
            let existing = try SegmentStore.liveSegments(in: db).first { $0.key == key }
            if let existing, existing.rule == nil {
                throw RequestProblem(.conflict, code: "segment_exists", message: "'\(key)' is a segment without a rule", field: "key")
            }
            let label = name ?? existing?.name ?? key
            let pk: Int64
            if let existing {
                pk = existing.pk
                try SegmentStore.updateRule(segmentPK: pk, rule: rule, name: label, nowMs: now, in: db)
            } else {
                pk = try SegmentStore.insertSegment(
                    key: key, name: label, kind: "behavioral", segmentationPK: nil, centroid: nil, rule: rule,
                    definition: JSONText.encode(["rule": rule]), nowMs: now, in: db)
            }
            var report = try Self.refresh(segmentPK: pk, rule: parsed, rows: rows, nowMs: now, in: db)
            report.key = key
            report.name = label
            try AuditLog.append(
                action: "segment_define", actor: actor, details: ["key": key, "rule": rule, "members": report.members], in: db, nowMs: now)
            return report
        }
        return report
    }

    /// Re-evaluates every rule segment on current features: who now matches joins, who no
    /// longer does leaves (their stay closes). Run after each build and on demand. With
    /// `people`, only they are re-evaluated (those whose events were just filed: a rule over
    /// windows such as `events_7d` still changes for everyone as days pass, which the full
    /// pass catches).
    public func refreshRuleSegments(people: [Int64]? = nil) throws -> [RuleSegmentReport] {
        // Nothing to evaluate: do not compute everyone's features for it.
        guard try database.writer.read({ db in try SegmentStore.liveSegments(in: db).contains { $0.rule != nil } }) else { return [] }
        if let people, people.isEmpty { return [] }
        let (rows, columns, _) = try featureRows(FeatureQuery(), userPKs: people)
        let now = clock.now()
        return try database.writer.write { db in
            var reports: [RuleSegmentReport] = []
            for segment in try SegmentStore.liveSegments(in: db) {
                guard let text = segment.rule else { continue }
                // A rule naming a category column that is no longer among the top ones stops
                // matching rather than failing every refresh.
                guard let rule = try? SegmentRule(text, columns: columns.map(\.name)) else { continue }
                var report = try Self.refresh(
                    segmentPK: segment.pk, rule: rule, rows: rows, scope: people.map(Set.init), nowMs: now, in: db)
                report.key = segment.key
                report.name = segment.name
                reports.append(report)
            }
            return reports
        }
    }

    /// Applies `rule` to `rows`: everyone when `scope` is nil, else the people in `scope` alone
    /// (a person in scope without a row, say whose consent was withdrawn, leaves).
    static func refresh(
        segmentPK: Int64, rule: SegmentRule, rows: [(userPK: Int64, row: PersonFeatureRow)], scope: Set<Int64>? = nil, nowMs: Int64,
        in db: StoreConnection
    ) throws -> RuleSegmentReport {
        let members = try SegmentStore.members(of: segmentPK, in: db)
        let before = scope.map { members.intersection($0) } ?? members
        let after = Set(rows.filter { rule.matches($0.row) }.map(\.userPK))
        // Erased since their features were read: nobody to add.
        let joining = try after.subtracting(before).sorted().filter { try SegmentStore.personExists($0, in: db) }
        let leaving = before.subtracting(after).sorted()
        for person in leaving { try SegmentStore.removeMember(person, from: segmentPK, nowMs: nowMs, in: db) }
        try SegmentStore.addMembers(joining.map { ($0, nil) }, to: segmentPK, nowMs: nowMs, in: db)
        return RuleSegmentReport(
            key: "", name: "", rule: rule.text, members: members.count - leaving.count + joining.count, joined: joining.count,
            left: leaving.count)
    }
}
