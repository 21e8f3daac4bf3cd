import Foundation
import KindredStore

/// What `forget` did, without saying who it was about.
public struct ForgetReport: Sendable, Codable, Equatable {
    /// Whether the database held anything about the person.
    public var found: Bool
    /// Rows deleted per table.
    public var deleted: [String: Int]
}

extension Engine {
    /// Erases a person: in one transaction, every row in every table that refers to them and
    /// their profile, then their vector from the model held in memory. The audit entry counts
    /// rows and names nobody. Deleted bytes are overwritten (secure_delete); a checkpoint
    /// afterwards leaves nothing of them in the WAL either.
    public func forget(userID: String) throws -> ForgetReport {
        let pseudonym = database.pseudonymizer.pseudonym(of: userID)
        let (report, userPK) = try database.writer.write { db -> (ForgetReport, Int64?) in
            let userPK = try ServingQueries.userPK(pseudonym: pseudonym, in: db)
            var report = ForgetReport(found: userPK != nil, deleted: [:])
            if let userPK { report.deleted = try PersonalData.erase(userPK: userPK, in: db) }
            // Events of theirs that an import is filing beside the server name them by pseudonym.
            let staged = try ImportStaging.forget(pseudonym: pseudonym, in: db)
            if staged > 0 {
                report.deleted["import_staged_events"] = staged
                report.found = true
            }
            try AuditLog.append(
                action: "forget", actor: actor,
                details: [
                    "found": report.found, "rows_deleted": report.deleted.values.reduce(0, +), "tables": report.deleted.keys.sorted(),
                ],
                in: db, nowMs: clock.now())
            return (report, userPK)
        }
        if let userPK { servingCache.drop(userPK: userPK) }
        // Move the deletion out of the WAL into the main file, where it overwrote the rows.
        try? database.checkpoint()
        return report
    }

    /// Everything held about a person as one JSON document (profile, events, consents,
    /// segments, assignments, impressions, model vector); the export is audited, anonymously.
    public func export(userID: String) throws -> (document: Data, found: Bool) {
        let pseudonym = database.pseudonymizer.pseudonym(of: userID)
        let (document, found) = try database.writer.write { db -> ([String: Any], Bool) in
            var document: [String: Any] = [
                "pseudonym": pseudonym, "exported_at": TimestampFormatter.iso8601(milliseconds: clock.now()),
                "about":
                    "Everything this shop's Kindred database holds about the person with this id, table by table. Times are Unix milliseconds (columns ending in _ms); the raw id is never stored, only its pseudonym.",
            ]
            var rows = 0
            let userPK = try ServingQueries.userPK(pseudonym: pseudonym, in: db)
            if let userPK {
                let data = try PersonalData.export(userPK: userPK, in: db)
                document.merge(data) { _, new in new }
                rows = (data["tables"] as? [String: Any] ?? [:]).values.reduce(0) { $0 + (($1 as? [Any])?.count ?? 0) }
            } else {
                document["tables"] = [String: Any]()
            }
            try AuditLog.append(action: "export", actor: actor, details: ["rows": rows], in: db, nowMs: clock.now())
            return (document, userPK != nil)
        }
        return (
            try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]), found
        )
    }

    /// Deletes events (and impressions) older than the retention period, keeping anonymous
    /// daily aggregates; recorded in `jobs` and the audit log. `days` overrides the setting.
    public func purge(days: Int? = nil) throws -> Retention.Purged {
        let started = clock.now()
        return try database.writer.write { db in
            let days = try days ?? Retention.eventsDays(in: db)
            guard days > 0 else {
                _ = try JobStore.insert(
                    .init(
                        kind: "purge", status: "skipped", startedMs: started, finishedMs: clock.now(),
                        details: ["reason": "retention off (0 days)"]),
                    in: db)
                return Retention.Purged()
            }
            // Whole UTC days: everything before the start of the day `days` ago.
            let dayMs: Int64 = 86_400_000
            let cutoff = (started / dayMs - Int64(days)) * dayMs
            let purged = try Retention.purge(before: cutoff, in: db)
            let details: [String: any Sendable] = [
                "days": days, "cutoff": TimestampFormatter.iso8601(milliseconds: cutoff), "events": purged.events,
                "impressions": purged.impressions, "aggregate_rows": purged.aggregateRows,
            ]
            _ = try JobStore.insert(
                .init(kind: "purge", status: "succeeded", startedMs: started, finishedMs: clock.now(), details: details), in: db)
            try AuditLog.append(action: "purge", actor: actor, details: details, in: db, nowMs: clock.now())
            return purged
        }
    }

    /// The daily purge of the server: runs when the last one is a day old or more.
    public func purgeIfDue() throws -> Retention.Purged? {
        let last = try database.writer.read { db in try Retention.lastPurgeMs(in: db) }
        if let last, clock.now() - last < 86_400_000 { return nil }
        return try purge()
    }
}
