import Foundation
import GRDB

/// What to import and how strictly.
public struct ImportRequest: Sendable {
    public var kind: ImportKind
    /// The name used in messages (`FILE:LINE: field: ...`).
    public var fileName: String
    public var format: FileFormat
    public var mapping: FieldMapping
    /// `--type`: every row is an event of this type.
    public var constantType: EventType?
    /// Import the good rows and set the bad ones aside instead of refusing the whole file.
    public var skipBad: Bool
    /// Where `skipBad` writes rejected rows (CSV: line, field, error, record).
    public var rejectsPath: String?
    /// How many errors an all-or-nothing import reports before it stops reading.
    public var maxReportedErrors: Int
    public var maxRecordBytes: Int

    public init(
        kind: ImportKind, fileName: String, format: FileFormat, mapping: FieldMapping = FieldMapping(),
        constantType: EventType? = nil, skipBad: Bool = false, rejectsPath: String? = nil,
        maxReportedErrors: Int = 10, maxRecordBytes: Int = 1 << 20
    ) {
        self.kind = kind
        self.fileName = fileName
        self.format = format
        self.mapping = mapping
        self.constantType = constantType
        self.skipBad = skipBad
        self.rejectsPath = rejectsPath
        self.maxReportedErrors = maxReportedErrors
        self.maxRecordBytes = maxRecordBytes
    }
}

/// What an import did, row by row.
public struct ImportCounts: Sendable, Equatable, Codable {
    public var rowsRead = 0
    /// Rows stored: new events or consent decisions, or catalog rows applied.
    public var imported = 0
    /// Rows already stored by an earlier import (events and consents).
    public var duplicates = 0
    /// Events stored without their person, who may not be processed for analytics.
    public var anonymized = 0
    /// Events not stored: no analytics consent, and the shop drops such events.
    public var withheld = 0
    public var rejected = 0
    public var newUsers = 0
    /// Items created: added to the catalog, or first seen in events.
    public var newItems = 0
    /// Catalog items that existed and were updated.
    public var updatedItems = 0
    /// The newest event stored, for training windows.
    public var maxEventPK: Int64?

    public init() {}
}

/// An all-or-nothing import that found bad rows and therefore changed nothing.
public struct ImportRefused: Error, CustomStringConvertible, Sendable {
    public let errors: [DataError]
    /// True when reading stopped at the error limit, so more may follow.
    public let stoppedEarly: Bool
    /// What the person can do about it, after "nothing was imported".
    public var remedy = "fix the file, or use --skip-bad to import the good rows and set the bad ones aside"

    public var description: String {
        var lines = errors.map(\.description)
        if stoppedEarly { lines.append("(stopped after \(errors.count) errors)") }
        lines.append("nothing was imported; \(remedy)")
        return lines.joined(separator: "\n")
    }
}

/// Reads an import file and stores its rows inside the caller's transaction.
public enum Importer {
    /// Imports `data` within `db`'s current transaction. Throws `DataError` for an unusable
    /// file, `ImportRefused` for bad rows when `skipBad` is off (the caller's transaction must
    /// then roll back), and the underlying error for anything else.
    public static func run(
        _ request: ImportRequest, data: Data, in db: Database, pseudonymizer: Pseudonymizer, nowMs: Int64,
        progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) throws -> ImportCounts {
        var reader = try ImportReader(request, data: data, progress: progress)
        let identities = try IdentityResolver(db: db, nowMs: nowMs)
        let sink = try RowSink(request: request, db: db, identities: identities, pseudonymizer: pseudonymizer, nowMs: nowMs)
        var counts = ImportCounts()
        while try reader.read(
            limit: .max, accept: { row in try sink.write(row, counts: &counts) }, validate: { row throws(DataError) in try sink.validate(row) })
        {}
        try reader.finish()
        try sink.finish(counts: &counts)
        counts.rowsRead = reader.rowsRead
        counts.rejected = reader.rejected
        counts.newUsers = identities.newUsers
        counts.newItems += identities.newItems
        return counts
    }

    static func requiredFields(_ request: ImportRequest) -> Set<String> {
        switch request.kind {
        case .catalog: return ["item_id"]
        case .events: return request.constantType == nil ? ["type", "ts"] : ["ts"]
        case .consents: return ["user_id", "purpose", "granted", "ts"]
        }
    }
}

/// Parses rows of one kind and hands them to that kind's writer.
private struct RowSink {
    private enum Writer {
        case events(EventRowParser, EventWriter)
        case catalog(CatalogRowParser, CatalogWriter)
        case consents(ConsentRowParser, ConsentWriter)
    }

    private let writer: Writer

    init(request: ImportRequest, db: Database, identities: IdentityResolver, pseudonymizer: Pseudonymizer, nowMs: Int64) throws {
        switch request.kind {
        case .events:
            writer = .events(
                EventRowParser(file: request.fileName, constantType: request.constantType, pseudonymizer: pseudonymizer),
                try EventWriter(db: db, identities: identities, nowMs: nowMs))
        case .catalog:
            writer = .catalog(CatalogRowParser(file: request.fileName), CatalogWriter(db: db, nowMs: nowMs))
        case .consents:
            let purposes = try ConsentSettings.purposes(in: db)
            writer = .consents(
                ConsentRowParser(file: request.fileName, purposes: purposes, pseudonymizer: pseudonymizer),
                try ConsentWriter(db: db, identities: identities, nowMs: nowMs))
        }
    }

    func validate(_ row: SourceRow) throws(DataError) {
        switch writer {
        case .events(let parser, _):
            _ = try parser.parse(row)
        case .catalog(let parser, _):
            _ = try parser.parse(row)
        case .consents(let parser, _):
            _ = try parser.parse(row)
        }
    }

    func write(_ row: SourceRow, counts: inout ImportCounts) throws {
        switch writer {
        case .events(let parser, let store):
            switch try store.write(try parser.parse(row)) {
            case .stored(let eventPK):
                counts.imported += 1
                counts.maxEventPK = eventPK
            case .duplicate:
                counts.duplicates += 1
            case .withheld:
                counts.withheld += 1
            }
        case .catalog(let parser, let store):
            store.write(try parser.parse(row))
            counts.imported += 1
        case .consents(let parser, let store):
            if try store.write(try parser.parse(row)) { counts.imported += 1 } else { counts.duplicates += 1 }
        }
    }

    func finish(counts: inout ImportCounts) throws {
        switch writer {
        case .events(_, let store):
            try store.finish()
            counts.anonymized = store.anonymized
        case .catalog(_, let store):
            try store.finish()
            counts.newItems = store.counts.added
            counts.updatedItems = store.counts.updated
        case .consents:
            break
        }
    }
}
