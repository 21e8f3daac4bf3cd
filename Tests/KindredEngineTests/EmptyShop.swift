import KindredTestSupport

@testable import KindredEngine

/// A new, empty shop database in a temporary directory: for tests that import a few hand-made
/// rows and work out the answer by hand.
enum EmptyShop {
    static func engine(in directory: TemporaryDirectory) throws -> Engine {
        let location = DatabaseLocation(databasePath: directory.file("shop.sqlite"), keyPath: directory.file("shop.sqlite.key"))
        return try Engine.create(at: location).engine
    }
}
