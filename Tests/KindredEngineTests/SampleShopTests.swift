import Foundation
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

@Suite struct SampleShopTests {
    func smallShop(seed: UInt64 = 42) -> SampleShopGenerator.Shop {
        var configuration = SampleShopGenerator.Configuration()
        configuration.users = 300
        configuration.items = 200
        configuration.events = 15_000
        configuration.seed = seed
        return SampleShopGenerator(configuration: configuration).generate()
    }

    @Test func theSameSeedGivesTheSameShop() {
        let a = smallShop()
        let b = smallShop()
        #expect(a.events.map(\.timestampMs) == b.events.map(\.timestampMs))
        #expect(a.events.map(\.itemID) == b.events.map(\.itemID))
        #expect(a.items.map(\.title) == b.items.map(\.title))
        #expect(smallShop(seed: 43).events.map(\.itemID) != a.events.map(\.itemID))
    }

    @Test func theShopHasEveryEventTypeAndContext() {
        let shop = smallShop()
        #expect(shop.events.count >= 15_000)
        #expect(Set(shop.events.map(\.type)) == Set(EventType.allCases.map(\.rawValue)))
        #expect(Set(shop.events.map(\.device)) == ["mobile", "desktop", "tablet"])
        #expect(Set(shop.events.map(\.country)).count == SampleShopVocabulary.countries.count)
        #expect(Set(shop.events.map(\.hour)).count == 24)
        let declined = shop.consents.filter { $0.purpose == "personalization" && !$0.granted }.count
        #expect(declined > 20 && declined < 80, "about 12% of 300 users decline personalization")
    }

    @Test func usersHaveTastesAPersonalizedModelCanFind() {
        // Each user's two favourite categories should hold most of what they view: with 20
        // categories, a taste-less shop would put about a tenth there.
        let shop = smallShop()
        let categoryOf = Dictionary(uniqueKeysWithValues: shop.items.map { ($0.id, $0.category) })
        var views: [String: [String: Int]] = [:]
        for event in shop.events where event.type == "view" {
            views[event.userID, default: [:]][categoryOf[event.itemID!]!, default: 0] += 1
        }
        var shares: [Double] = []
        for counts in views.values where counts.values.reduce(0, +) >= 10 {
            let top2 = counts.values.sorted(by: >).prefix(2).reduce(0, +)
            shares.append(Double(top2) / Double(counts.values.reduce(0, +)))
        }
        #expect(shares.reduce(0, +) / Double(shares.count) > 0.5)
    }

    @Test func theCommittedSampleDataIsWhatTheGeneratorWritesWithItsDefaults() throws {
        let directory = TemporaryDirectory()
        let shop = SampleShopGenerator(configuration: .init()).generate()
        let written = try SampleShopFiles.write(shop, to: directory.path)
        let committed = (Repository.root as NSString).appendingPathComponent("sample-data")
        for file in written.files {
            let name = (file as NSString).lastPathComponent
            let expected = try Data(contentsOf: URL(fileURLWithPath: committed + "/" + name))
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == expected, "sample-data/\(name) is stale: run `kindred generate`")
        }
        let sizes = try written.files.map { try FileManager.default.attributesOfItem(atPath: $0)[.size] as! NSNumber }
        #expect(sizes.map(\.intValue).reduce(0, +) < 10_000_000)
        #expect(sizes.allSatisfy { $0.intValue < 4 << 20 })
    }

    @Test func theDemoRunOutsideTheRepositoryWritesTheShippedShopItself() throws {
        let elsewhere = TemporaryDirectory()
        var said: [String] = []
        let shop = try DemoUseCase.sampleShop(at: nil, lookingIn: elsewhere.path) { said.append($0) }
        defer { try? FileManager.default.removeItem(atPath: shop.directory) }
        #expect(shop.temporary)
        #expect(said.first?.hasPrefix("no sample-data/ here: wrote the sample shop") == true)
        let committed = (Repository.root as NSString).appendingPathComponent("sample-data")
        for name in ["catalog.csv", "consents.csv", "events-recent.jsonl"] {
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: shop.directory + "/" + name))
                    == Data(contentsOf: URL(fileURLWithPath: committed + "/" + name)), "\(name)")
        }
        // In the repository the shipped folder is used as it is; a folder named by hand must exist.
        #expect(try DemoUseCase.sampleShop(at: nil, lookingIn: Repository.root) { _ in }.temporary == false)
        #expect(throws: DataError.self) { try DemoUseCase.sampleFiles(in: elsewhere.file("nowhere")) }
    }

    @Test func theDemoBuildsADatabaseFromASampleShop() throws {
        let directory = TemporaryDirectory()
        _ = try SampleShopFiles.write(smallShop(), to: directory.file("shop"))
        let location = DatabaseLocation(databasePath: directory.file("demo.sqlite"), keyPath: directory.file("demo.sqlite.key"))
        var log: [String] = []
        let (_, report) = try DemoUseCase.run(dataDirectory: directory.file("shop"), location: location, log: { log.append($0) })
        #expect(report.imports.map(\.kind) == ["catalog", "events", "events", "events", "events", "events", "consents"])
        #expect(report.imports.allSatisfy { $0.counts.rejected == 0 })
        #expect(report.status.tableRows["users"] == 300)
        #expect(report.status.tableRows["items"] == 200)
        #expect(report.status.tableRows["events"]! >= 15_000)
        // Running it again replaces the demo database...
        _ = try DemoUseCase.run(dataDirectory: directory.file("shop"), location: location, log: { _ in })
        // ...but never a database that is not a demo.
        let other = DatabaseLocation(databasePath: directory.file("shop.sqlite"), keyPath: directory.file("shop.sqlite.key"))
        _ = try Engine.create(at: other)
        #expect(throws: StoreError.self) {
            _ = try DemoUseCase.run(dataDirectory: directory.file("shop"), location: other, log: { _ in })
        }
    }
}
