import Foundation

/// Reads a whole catalog file and merges it in memory (`CatalogMerge`), with no database and
/// no lock: the first step of a catalog import beside a running server, whose merged products
/// then go to `ImportStaging.appendItems` in short transactions. Rows are checked exactly as
/// `Importer.run` checks them.
public final class StagedCatalogImport {
    private var reader: ImportReader
    private let parser: CatalogRowParser
    public private(set) var items: [ItemDraft] = []

    /// Opens the file; throws `DataError` for an unusable one before anything is written.
    public init(_ request: ImportRequest, data: Data, progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws {
        precondition(request.kind == .catalog, "a catalog import")
        reader = try ImportReader(request, data: data, progress: progress)
        parser = CatalogRowParser(file: request.fileName)
    }

    /// Reads every row; throws `ImportRefused` if any was refused (without `--skip-bad`).
    public func readAll() throws {
        var merge = CatalogMerge()
        let parser = self.parser
        _ = try reader.read(
            limit: .max, accept: { row in merge.add(try parser.parse(row)) },
            validate: { row throws(DataError) in _ = try parser.parse(row) })
        try reader.finish()
        items = merge.items
    }

    /// What reading counted, for `ImportStaging.publish`: every good row is taken, as in one
    /// transaction.
    public var readingCounts: ImportCounts {
        var counts = ImportCounts()
        counts.rowsRead = reader.rowsRead
        counts.rejected = reader.rejected
        counts.imported = reader.rowsRead - reader.rejected
        return counts
    }
}
