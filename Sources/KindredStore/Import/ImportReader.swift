import Foundation

/// The row loop every import shares, whether it writes in one transaction (`Importer.run`) or
/// in slices beside a running server (`StagedEventImport`): counts rows, sets bad ones aside
/// under `--skip-bad` or collects them, and once a row is refused only looks for more errors,
/// so that a refused file reports up to `maxReportedErrors` of them in one go.
struct ImportReader {
    private var source: RecordSource
    private var rejects: RejectsFile?
    private var errors: [DataError] = []
    private let maxReportedErrors: Int
    private(set) var rowsRead = 0
    private(set) var rejected = 0
    private let progress: ((_ done: Int, _ total: Int) -> Void)?

    init(_ request: ImportRequest, data: Data, progress: ((_ done: Int, _ total: Int) -> Void)?) throws {
        source = try RecordSource(
            data: data, fileName: request.fileName, format: request.format, kind: request.kind,
            mapping: request.mapping, requiredFields: Importer.requiredFields(request), maxRecordBytes: request.maxRecordBytes)
        rejects = request.skipBad ? RejectsFile(path: request.rejectsPath) : nil
        maxReportedErrors = request.maxReportedErrors
        self.progress = progress
    }

    /// Whether every row so far was good or set aside: the rows read may still be written.
    var isAccepted: Bool { errors.isEmpty }

    /// Reads up to `limit` rows: a good row goes to `accept` while the file is accepted, and to
    /// `validate` after a refusal; either throws `DataError` for a bad row. Throws
    /// `ImportRefused` at the error limit, and whatever else `accept` throws. Returns whether
    /// rows may remain.
    mutating func read(
        limit: Int, accept: (SourceRow) throws -> Void, validate: (SourceRow) throws(DataError) -> Void
    ) throws -> Bool {
        var taken = 0
        while taken < limit {
            guard let item = source.next() else { return false }
            taken += 1
            rowsRead += 1
            if rowsRead % 8192 == 0 { progress?(source.progress.done, source.progress.total) }
            let failure: (DataError, String)
            switch item {
            case .malformed(let error, let raw):
                failure = (error, raw)
            case .row(let row):
                do {
                    if errors.isEmpty { try accept(row) } else { try validate(row) }
                    continue
                } catch let error as DataError {
                    failure = (error, source.text(of: row))
                }
            }
            rejected += 1
            if rejects != nil {
                try rejects!.append(failure.0, raw: failure.1)
            } else {
                errors.append(failure.0)
                if errors.count >= maxReportedErrors { throw ImportRefused(errors: errors, stoppedEarly: true) }
            }
        }
        return true
    }

    /// After the last row: throws `ImportRefused` if any row was refused, else closes the
    /// rejects file and reports the file as read.
    mutating func finish() throws {
        if !errors.isEmpty { throw ImportRefused(errors: errors, stoppedEarly: false) }
        try rejects?.close()
        progress?(source.progress.total, source.progress.total)
    }
}
