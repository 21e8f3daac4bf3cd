import Foundation
import KindredTestSupport

@testable import KindredStore

/// Runs an import of `text` in one transaction, as the engine does.
func importText(
    _ text: String, kind: ImportKind, into database: KindredDatabase, file: String = "test.csv",
    format: FileFormat = .csv, map: String? = nil, type: EventType? = nil, skipBad: Bool = false, rejects: String? = nil,
    maxRecordBytes: Int = 1 << 20
) throws -> ImportCounts {
    let request = ImportRequest(
        kind: kind, fileName: file, format: format,
        mapping: try map.map { try FieldMapping(parsing: $0, kind: kind) } ?? FieldMapping(),
        constantType: type, skipBad: skipBad, rejectsPath: rejects, maxRecordBytes: maxRecordBytes)
    return try database.writer.write { db in
        try Importer.run(request, data: Data(text.utf8), in: db, pseudonymizer: database.pseudonymizer, nowMs: TestDatabase.fixedNowMs)
    }
}

/// The errors an all-or-nothing import refused with, as printed.
func refusal(_ body: () throws -> Any) -> [String] {
    do {
        _ = try body()
        return []
    } catch let error as ImportRefused {
        return error.errors.map(\.description)
    } catch let error as DataError {
        return [error.description]
    } catch {
        return ["unexpected: \(error)"]
    }
}
