import GRDB

/// Records runs of batch and background work in `jobs`.
public enum JobStore {
    public struct Job: Sendable {
        public var kind: String
        public var status: String
        public var startedMs: Int64
        public var finishedMs: Int64?
        public var details: [String: any Sendable]
        public var error: String?

        public init(
            kind: String, status: String, startedMs: Int64, finishedMs: Int64?, details: [String: any Sendable], error: String? = nil
        ) {
            self.kind = kind
            self.status = status
            self.startedMs = startedMs
            self.finishedMs = finishedMs
            self.details = details
            self.error = error
        }
    }

    @discardableResult
    public static func insert(_ job: Job, in db: Database) throws -> Int64 {
        try db.execute(
            sql: "INSERT INTO jobs (kind, status, started_ms, finished_ms, details, error) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [job.kind, job.status, job.startedMs, job.finishedMs, JSONText.encode(job.details), job.error])
        return db.lastInsertedRowID
    }

    public static func setModelVersion(job: Int64, version: Int64, in db: Database) throws {
        try db.execute(sql: "UPDATE jobs SET model_version = ? WHERE job_pk = ?", arguments: [version, job])
    }
}
