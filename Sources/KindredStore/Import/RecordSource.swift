import Foundation

/// The formats Kindred imports.
public enum FileFormat: String, Sendable, CaseIterable {
    case csv, jsonl

    /// Guesses the format from a file name: `.jsonl`, `.ndjson` and `.json` are JSON Lines,
    /// everything else CSV.
    public static func detect(path: String) -> FileFormat {
        let lower = path.lowercased()
        return lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") ? .jsonl : .csv
    }
}

/// Reads an import file as rows located by field name, reporting malformed records with
/// their line so that the caller can stop or set them aside.
public struct RecordSource {
    public enum Item {
        case row(SourceRow)
        case malformed(DataError, raw: String)
    }

    public let fileName: String
    public let format: FileFormat
    private var csv: CSVReader?
    private var jsonl: JSONLinesReader?
    private let slots: FieldSlots
    private let kind: ImportKind
    private let keepsExtras: Bool
    /// CSV: each field's column, by field position, and the columns that are no field.
    private let columnOfField: [Int?]
    private let extraColumns: [(name: String, index: Int)]
    private let columnCount: Int

    /// Opens a source: reads and checks the CSV header, or prepares JSON key lookups.
    /// Throws a `DataError` for an empty file, a binary file or missing columns.
    public init(
        data: Data, fileName: String, format: FileFormat, kind: ImportKind, mapping: FieldMapping,
        requiredFields: Set<String>, maxRecordBytes: Int = 1 << 20
    ) throws {
        self.fileName = fileName
        self.format = format
        self.kind = kind
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw DataError(file: fileName, message: format == .csv ? "empty file; expected a header line" : "empty file")
        }
        if data.prefix(8192).contains(0) {
            throw DataError(
                file: fileName, message: "binary file (it contains NUL bytes); expected \(format == .csv ? "CSV" : "JSON Lines") text")
        }
        switch format {
        case .csv:
            var reader = CSVReader(data: data, maxRecordBytes: maxRecordBytes)
            guard let first = reader.next() else { throw DataError(file: fileName, message: "empty file; expected a header line") }
            guard case .record(let header, let line, _) = first else {
                if case .malformed(let line, let message, _) = first {
                    throw DataError(file: fileName, line: line, field: "header", message: message)
                }
                throw DataError(file: fileName, message: "unreadable header")
            }
            // Two columns of one name would leave it to chance which one a field reads.
            var firstColumn: [String: Int] = [:]
            for (index, name) in header.enumerated() {
                let key = name.trimmingCharacters(in: .whitespaces).lowercased()
                guard !key.isEmpty else { continue }
                if let earlier = firstColumn[key] {
                    throw DataError(
                        file: fileName, line: line, field: "header",
                        message: "the column '\(name.trimmingCharacters(in: .whitespaces))' appears twice (columns \(earlier + 1) and \(index + 1)); rename one")
                }
                firstColumn[key] = index
            }
            let (fields, missing) = mapping.resolve(header: header, kind: kind)
            if let gap = missing.first {
                throw DataError(
                    file: fileName, line: line, field: gap.field,
                    message:
                        "no column named '\(gap.column)' (--map \(gap.field)=\(gap.column)); the header has: \(header.joined(separator: ", "))"
                )
            }
            for field in kind.fields.map(\.name) where requiredFields.contains(field) && fields[field] == nil {
                throw DataError(
                    file: fileName, line: line, field: field,
                    message:
                        "required column missing; name a column '\(field)' or map one with --map \(field)=COLUMN (the header has: \(header.joined(separator: ", ")))"
                )
            }
            let used = Set(fields.values)
            let extras =
                kind.keepsExtraColumns
                ? header.enumerated().filter { !used.contains($0.offset) }.map {
                    (name: $0.element.trimmingCharacters(in: .whitespaces), index: $0.offset)
                }
                : []
            self.slots = FieldSlots(kind: kind, keys: [:])
            self.keepsExtras = kind.keepsExtraColumns
            self.columnOfField = slots.names.map { fields[$0] }
            self.extraColumns = extras
            self.columnCount = header.count
            self.csv = reader
        case .jsonl:
            self.slots = FieldSlots(kind: kind, keys: mapping.keys(kind: kind))
            self.keepsExtras = kind.keepsExtraColumns
            self.columnOfField = []
            self.extraColumns = []
            self.columnCount = 0
            self.jsonl = JSONLinesReader(data: data, maxRecordBytes: maxRecordBytes)
        }
    }

    /// Bytes consumed and total, for progress bars.
    public var progress: (done: Int, total: Int) {
        if let csv { return (csv.offset, csv.data.count) }
        if let jsonl { return (jsonl.offset, jsonl.data.count) }
        return (0, 0)
    }

    public mutating func next() -> Item? {
        if csv != nil {
            // Optional chaining mutates the reader in place (no copy of its buffers).
            switch csv?.next() {
            case nil:
                return nil
            case .malformed(let line, let message, let bytes):
                return .malformed(DataError(file: fileName, line: line, message: message), raw: csv!.text(of: bytes))
            case .record(let fields, let line, let bytes):
                guard fields.count == columnCount else {
                    return .malformed(
                        DataError(
                            file: fileName, line: line, message: "expected \(columnCount) fields as in the header, found \(fields.count)"),
                        raw: csv!.text(of: bytes))
                }
                return .row(
                    SourceRow(line: line, bytes: bytes, columns: fields, slots: slots, column: columnOfField, extras: extraColumns))
            }
        }
        switch jsonl?.next() {
        case nil:
            return nil
        case .malformed(let line, let message, let bytes):
            return .malformed(DataError(file: fileName, line: line, message: message), raw: jsonl!.text(of: bytes))
        case .record(let members, let line, let bytes):
            do throws(DataError) {
                return .row(
                    try RequestRecords.row(
                        members: members, kind: kind, slots: slots, file: fileName, line: line, bytes: bytes, keepsExtras: keepsExtras))
            } catch {
                return .malformed(error, raw: jsonl!.text(of: bytes))
            }
        }
    }

    /// The original text of a row, for reject files.
    public func text(of row: SourceRow) -> String {
        if let csv { return csv.text(of: row.bytes) }
        if let jsonl { return jsonl.text(of: row.bytes) }
        return ""
    }
}
