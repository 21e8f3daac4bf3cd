import KindredStore

extension Engine {
    /// Every model version, oldest first.
    public func models() throws -> [ModelVersionRecord] {
        try database.writer.read { db in try ModelRegistry.list(in: db) }
    }

    /// Makes a version active by hand (a rollback, say); recorded in the audit log. A version
    /// whose stored bias report breaks the shop's limits (`models.max_exposure_gini`,
    /// `models.max_ndcg_gap`) is refused unless `force`, and a forced activation records why.
    @discardableResult
    public func activate(version: Int64, force: Bool = false) throws -> ModelVersionRecord {
        let record = try database.writer.write { db -> ModelVersionRecord in
            guard let record = try ModelRegistry.record(version: version, in: db) else {
                throw DataError(file: "model_versions", field: "version", message: "no model version \(version); see `kindred models`")
            }
            guard record.status != "failed" else {
                throw DataError(file: "model_versions", field: "version", message: "version \(version) failed to train and cannot serve")
            }
            let refusal = try ModelBiasReports.report(version: version, in: db).flatMap(BiasReport.fromStored).flatMap {
                try BiasGate.read(in: db).refusal($0)
            }
            if let refusal, !force {
                throw RequestProblem(
                    .conflict, code: "bias_gate", message: "version \(version) is not activated: \(refusal); activate it with force to override",
                    field: "version")
            }
            try ModelRegistry.activate(
                version: version, reason: refusal.map { "activated by hand despite the \($0)" } ?? "activated by hand", nowMs: clock.now(), in: db)
            var details: [String: any Sendable] = ["version": version, "algorithm": record.algorithm]
            if let refusal {
                details["forced"] = true
                details["bias_gate"] = refusal
            }
            try AuditLog.append(action: "activate", actor: actor, details: details, in: db, nowMs: clock.now())
            return record
        }
        servingCache.invalidate()
        return record
    }
}
