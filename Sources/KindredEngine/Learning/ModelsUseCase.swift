import KindredStore

extension Engine {
    /// Every model version, oldest first.
    public func models() throws -> [ModelVersionRecord] {
        try database.writer.read { db in try ModelRegistry.list(in: db) }
    }

    /// Makes a version active by hand (a rollback, say); recorded in the audit log.
    @discardableResult
    public func activate(version: Int64) throws -> ModelVersionRecord {
        let record = try database.writer.write { db -> ModelVersionRecord in
            guard let record = try ModelRegistry.record(version: version, in: db) else {
                throw DataError(file: "model_versions", field: "version", message: "no model version \(version); see `kindred models`")
            }
            guard record.status != "failed" else {
                throw DataError(file: "model_versions", field: "version", message: "version \(version) failed to train and cannot serve")
            }
            try ModelRegistry.activate(version: version, reason: "activated by hand", nowMs: clock.now(), in: db)
            try AuditLog.append(
                action: "activate", actor: actor, details: ["version": version, "algorithm": record.algorithm], in: db, nowMs: clock.now())
            return record
        }
        servingCache.invalidate()
        return record
    }
}
