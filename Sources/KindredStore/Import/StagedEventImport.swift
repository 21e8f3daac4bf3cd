import Foundation
import GRDB

/// Reads an events file for an import stage (`ImportStaging`), a slice of rows per call: the
/// first step of an import beside a running server. Rows are checked exactly as `Importer.run` checks them; people are
/// pseudonymized before anything is written, as everywhere.
public final class StagedEventImport {
    private var reader: ImportReader
    private let parser: EventRowParser
    /// Numbers identical rows across the whole file, in file order, as one transaction does.
    private var keyer = EventKeyer()
    public private(set) var withheld = 0
    public private(set) var anonymized = 0

    /// Opens the file; throws `DataError` for an unusable one (empty, binary, missing columns)
    /// before anything is written.
    public init(
        _ request: ImportRequest, data: Data, pseudonymizer: Pseudonymizer, progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) throws {
        precondition(request.kind == .events, "only events imports are staged")
        reader = try ImportReader(request, data: data, progress: progress)
        parser = EventRowParser(file: request.fileName, constantType: request.constantType, pseudonymizer: pseudonymizer)
    }

    public var rowsRead: Int { reader.rowsRead }
    public var rejected: Int { reader.rejected }
    /// Whether every row so far was good or set aside; once false, nothing more is staged.
    public var isAccepted: Bool { reader.isAccepted }

    /// Reads and checks up to `rows` rows, outside any transaction: parsing is most of a
    /// slice's work, and the write lock need only be held while the drafts are appended
    /// (`ImportStaging.append`). Throws `ImportRefused` at the error limit. Returns the good
    /// rows (none once the file is refused) and whether rows may remain.
    public func read(rows: Int) throws -> (drafts: [EventDraft], more: Bool) {
        var drafts: [EventDraft] = []
        drafts.reserveCapacity(min(rows, 100_000))
        let parser = self.parser
        let more = try reader.read(
            limit: rows, accept: { row in drafts.append(try parser.parse(row)) },
            validate: { row throws(DataError) in _ = try parser.parse(row) })
        return (drafts, more)
    }

    /// What `append` did, to be taken into account (`committed`) once its transaction has
    /// committed: a transaction that fails is tried again whole, from the state before it.
    public struct AppendedSlice {
        fileprivate var keyer: EventKeyer
        fileprivate var withheld: Int
        fileprivate var anonymized: Int
    }

    /// Applies consent to drafts from `read`, keys them, and appends them to a stage that is
    /// still staging, inside the caller's (short) transaction.
    public func append(_ drafts: [EventDraft], to stagePK: Int64, in db: Database) throws -> AppendedSlice {
        let consent = try AnalyticsConsentGate(db: db)
        let insert = try FastStatement(
            """
            INSERT INTO import_staged_events (stage_pk, event_key, \(ImportStaging.stagedColumns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, in: db)
        var slice = AppendedSlice(keyer: keyer, withheld: 0, anonymized: 0)
        for original in drafts {
            guard let draft = try consent.admit(original) else {
                slice.withheld += 1
                continue
            }
            let key = slice.keyer.key(for: draft)
            _ = try insert.run { ImportStaging.bind(draft, key: key, stagePK: stagePK, to: &$0) }
        }
        slice.anonymized = consent.anonymized
        return slice
    }

    /// The transaction of `append` committed.
    public func committed(_ slice: AppendedSlice) {
        keyer = slice.keyer
        withheld += slice.withheld
        anonymized += slice.anonymized
    }

    /// What staging counted, for `ImportStaging.publish`.
    public var readingCounts: ImportCounts {
        var counts = ImportCounts()
        counts.rowsRead = reader.rowsRead
        counts.rejected = reader.rejected
        counts.withheld = withheld
        counts.anonymized = anonymized
        return counts
    }

    /// After the last row: throws `ImportRefused` if any row was refused (the caller then
    /// discards the stage), else closes the rejects file.
    public func finishReading() throws {
        try reader.finish()
    }
}
