import Foundation

/// The files that make up a database on disk.
enum DatabaseFiles {
    static func totalBytes(databasePath: String) -> Int64 {
        [databasePath, databasePath + "-wal"].reduce(Int64(0)) { total, path in
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
            return total + size
        }
    }
}
