import Foundation
import KindredTestSupport
import Testing

@testable import KindredStore

@Suite struct KeyFileTests {
    @Test func initWritesAPrivateKeyFileBesideTheDatabase() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let attributes = try FileManager.default.attributesOfItem(atPath: database.keyPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(!PseudonymKeyFile.isExposed(at: database.keyPath))
        #expect(try PseudonymKeyFile.read(at: database.keyPath).count == 32)
    }

    @Test func theSameIdAlwaysGetsTheSamePseudonymAndOthersDiffer() throws {
        let key = [UInt8](repeating: 7, count: 32)
        let pseudonymizer = Pseudonymizer(keyBytes: key)
        #expect(pseudonymizer.pseudonym(of: "alice@example.com") == pseudonymizer.pseudonym(of: " alice@example.com "))
        #expect(pseudonymizer.pseudonym(of: "alice@example.com") != pseudonymizer.pseudonym(of: "bob@example.com"))
        #expect(pseudonymizer.pseudonym(of: "alice@example.com").count == 64)
        let otherKey = Pseudonymizer(keyBytes: [UInt8](repeating: 8, count: 32))
        #expect(otherKey.pseudonym(of: "alice@example.com") != pseudonymizer.pseudonym(of: "alice@example.com"))
    }

    @Test func pseudonymsAreHMACSHA256() {
        // Expected value from Python: hmac.new(b"\x0b" * 32, b"Hi There", hashlib.sha256).hexdigest()
        let pseudonymizer = Pseudonymizer(keyBytes: [UInt8](repeating: 0x0b, count: 32))
        #expect(pseudonymizer.pseudonym(of: "Hi There") == "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7")
    }

    @Test func threadsSharingOneKeyedHMACAgreeWithOneThreadAlone() {
        let pseudonymizer = Pseudonymizer(keyBytes: [UInt8](repeating: 0x0b, count: 32))
        let ids = (0..<2_000).map { "person-\($0)@example.com" }
        let alone = ids.map { pseudonymizer.pseudonym(of: $0) }
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var values: [Int: String] = [:]
        }
        let shared = Results()
        DispatchQueue.concurrentPerform(iterations: ids.count) { index in
            let pseudonym = pseudonymizer.pseudonym(of: ids[index])
            shared.lock.withLock { shared.values[index] = pseudonym }
        }
        #expect(ids.indices.map { shared.values[$0] } == alone)
        #expect(Set(alone).count == ids.count)
    }

    @Test func openingWithAnotherDatabasesKeyIsRefused() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let other = directory.file("other.key")
        _ = try PseudonymKeyFile.create(at: other)
        #expect(throws: StoreError.keyMismatch(path: other)) {
            _ = try KindredDatabase.open(at: database.path, keyPath: other, nowMs: 1)
        }
        #expect(throws: StoreError.keyMissing(path: directory.file("nowhere.key"))) {
            _ = try KindredDatabase.open(at: database.path, keyPath: directory.file("nowhere.key"), nowMs: 1)
        }
    }

    @Test func anExistingKeyFileIsNeverOverwritten() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("k.key")
        let first = try PseudonymKeyFile.create(at: path)
        #expect(throws: StoreError.keyExists(path: path)) { _ = try PseudonymKeyFile.create(at: path) }
        #expect(try PseudonymKeyFile.read(at: path) == first)
    }
}
