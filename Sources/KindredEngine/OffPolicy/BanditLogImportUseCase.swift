import Foundation
import KindredStore

/// What `kindred import impressions` did.
public struct BanditLogImportSummary: Sendable, Equatable, Codable {
    public var name: String
    public var file: String
    public var format: String
    public var rounds: Int
    public var items: Int
    public var slots: Int
    public var contextFields: [String]
    public var rewards: Double
    public var meanReward: Double
    public var replaced: Bool
    public var seconds: Double
}

extension Engine {
    /// Imports another system's bandit log under `name` (default: the file's name without its
    /// extension) for off-policy evaluation, in one transaction: a file with any bad row is
    /// refused whole, each bad row named by line and field.
    public func importBanditLog(
        at path: String, format: BanditLogFile.Format, name: String? = nil, replace: Bool = false
    ) throws -> BanditLogImportSummary {
        let started = WallClock.monotonicSeconds()
        let logName = name ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        try Self.checkBanditLogName(logName)
        let file = try Self.readBanditLog(at: path, format: format)
        let importLock = try ImportLock.acquire(for: database.path)
        defer { importLock.release() }
        let now = clock.now()
        let replaced = try database.writer.write { db in
            let replaced = try BanditLogStore.save(
                file, name: logName, format: format, sourceFile: path, replace: replace, in: db, nowMs: now)
            try AuditLog.append(
                action: "import_impressions", actor: actor,
                details: [
                    "name": logName, "file": path, "format": format.rawValue, "rounds": file.rows.count,
                    "items": file.itemIDs.count, "replaced": replaced,
                ],
                in: db, nowMs: now)
            return replaced
        }
        let rewards = file.rows.reduce(0) { $0 + $1.reward }
        return BanditLogImportSummary(
            name: logName, file: path, format: format.rawValue, rounds: file.rows.count, items: file.itemIDs.count,
            slots: file.slots, contextFields: file.contextFields, rewards: rewards, meanReward: rewards / Double(file.rows.count),
            replaced: replaced, seconds: WallClock.monotonicSeconds() - started)
    }

    /// The imported bandit logs.
    public func banditLogs() throws -> [BanditLogSummary] {
        try database.writer.read { db in try BanditLogStore.list(in: db) }
    }

    static func readBanditLog(at path: String, format: BanditLogFile.Format) throws -> BanditLogFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw DataError(file: path, message: "cannot read the file (\(Self.reason(error)))")
        }
        switch format {
        case .obd: return try BanditLogFile.readOBD(data, fileName: path)
        }
    }

    static func checkBanditLogName(_ name: String) throws {
        guard !name.isEmpty, name.count <= 100, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw RequestProblem(
                .invalid, code: "invalid_log_name",
                message: "a log name is 1 to 100 letters, digits, '-', '_' or '.', not '\(name)'", field: "name")
        }
    }
}
