import Foundation

/// Reads a consents file for an import stage, a slice of rows per call, with no lock held:
/// the first step of a consents import beside a running server, whose decisions then go to
/// `ImportStaging.appendConsents` in short transactions. Rows are checked exactly as
/// `Importer.run` checks them; people are pseudonymized before anything is written.
public final class StagedConsentImport {
    private var reader: ImportReader
    private let parser: ConsentRowParser

    /// Opens the file; `purposes` are the shop's configured ones (`ConsentSettings.purposes`).
    public init(
        _ request: ImportRequest, data: Data, pseudonymizer: Pseudonymizer, purposes: [String],
        progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) throws {
        precondition(request.kind == .consents, "a consents import")
        reader = try ImportReader(request, data: data, progress: progress)
        parser = ConsentRowParser(file: request.fileName, purposes: purposes, pseudonymizer: pseudonymizer)
    }

    public var rejected: Int { reader.rejected }

    /// Reads and checks up to `rows` rows; throws `ImportRefused` at the error limit. Returns
    /// the good rows (none once the file is refused) and whether rows may remain.
    public func read(rows: Int) throws -> (drafts: [ConsentDraft], more: Bool) {
        var drafts: [ConsentDraft] = []
        let parser = self.parser
        let more = try reader.read(
            limit: rows, accept: { row in drafts.append(try parser.parse(row)) },
            validate: { row throws(DataError) in _ = try parser.parse(row) })
        return (drafts, more)
    }

    /// After the last row: throws `ImportRefused` if any row was refused.
    public func finishReading() throws {
        try reader.finish()
    }

    /// What reading counted, for `ImportStaging.publish`.
    public var readingCounts: ImportCounts {
        var counts = ImportCounts()
        counts.rowsRead = reader.rowsRead
        counts.rejected = reader.rejected
        return counts
    }
}
