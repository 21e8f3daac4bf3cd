import Foundation
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// The real UCI Online Retail log, imported with the one command the README gives (with
/// `--skip-bad`: two "Adjust bad debt" rows carry negative prices, which are refused). Skipped
/// (with a note) when ../shared/data is not beside the checkout.
@Suite(.enabled(if: Repository.sharedData != nil, "needs ../shared/data/online-retail"))
struct OnlineRetailImportTests {
    @Test func theWholeOrderLogAndItsCatalogImportWithOneCommandEach() throws {
        let csv = Repository.sharedData! + "/online-retail/online-retail.csv"
        let directory = TemporaryDirectory()
        let location = DatabaseLocation(databasePath: directory.file("or.sqlite"), keyPath: directory.file("or.sqlite.key"))
        let engine = try Engine.create(at: location).engine
        let events = ImportRequest(
            kind: .events, fileName: csv, format: .csv,
            mapping: try FieldMapping(
                parsing:
                    "user_id=CustomerID,item_id=StockCode,ts=InvoiceDate,session_id=InvoiceNo,value=Quantity,price=UnitPrice,country=Country",
                kind: .events),
            constantType: .purchase, skipBad: true, rejectsPath: directory.file("events.rejects.csv"))
        let summary = try engine.importFile(at: csv, request: events)
        #expect(summary.counts.rowsRead == 541_909)
        #expect(summary.counts.imported == 541_907)
        #expect(summary.counts.rejected == 2)
        let rejects = try String(contentsOfFile: directory.file("events.rejects.csv"), encoding: .utf8)
        #expect(rejects.contains("price,a price cannot be negative (-11062.06)") && rejects.contains("Adjust bad debt"), "\(rejects)")
        #expect(summary.counts.newUsers == 4_372)
        let status = try engine.status()
        #expect(status.eventsByType == ["purchase": 531_283, "return": 10_624])
        #expect(status.anonymousEvents == 135_078)

        let catalog = ImportRequest(
            kind: .catalog, fileName: csv, format: .csv,
            mapping: try FieldMapping(parsing: "item_id=StockCode,title=Description,price=UnitPrice", kind: .catalog), skipBad: true,
            rejectsPath: directory.file("catalog.rejects.csv"))
        let catalogSummary = try engine.importFile(at: csv, request: catalog)
        #expect(catalogSummary.counts.newItems == 4_070)
        #expect(try DatabaseSnapshot.count("items", in: engine.database, where: "catalog_ms IS NOT NULL") == 4_070)
        #expect(try DatabaseSnapshot.count("items", in: engine.database, where: "attributes LIKE '%Customer%'") == 0)

        let again = try engine.importFile(at: csv, request: events)
        #expect(again.counts.duplicates == 541_907)
        #expect(try DatabaseSnapshot.count("events", in: engine.database) == 541_907)
    }
}
