import Foundation
import Testing

@testable import KindredStore

/// Request bodies read as import rows: which member feeds a field when several names are given,
/// which problem is reported when several members are wrong, and what an item keeps.
@Suite struct RequestRecordsTests {
    let pseudonymizer = Pseudonymizer(keyBytes: [UInt8](repeating: 7, count: 32))

    private func event(_ json: String) throws -> Result<EventDraft, DataError> {
        guard case .array(let values) = try RequestJSON.parse(Data("[\(json)]".utf8)) else { throw DataError(file: "test", message: "") }
        return RequestRecords.events(values, pseudonymizer: pseudonymizer)[0]
    }

    @Test func aFieldGivenUnderSeveralNamesIsReadFromItsOwnNameFirstThenItsAliasesInOrder() throws {
        let both = try event(#"{"customer_id": "c", "user": "b", "user_id": "a", "type": "view", "item": "I1", "ts": 1700000000}"#)
        #expect(try both.get().userPseudonym == pseudonymizer.pseudonym(of: "a"))
        let aliases = try event(#"{"customer_id": "c", "user": "b", "type": "view", "item": "I1", "ts": 1700000000}"#)
        #expect(try aliases.get().userPseudonym == pseudonymizer.pseudonym(of: "b"))
        #expect(try aliases.get().itemID == "I1")
    }

    @Test func nullIsNotGivenSoTheNextNameIsRead() throws {
        let draft = try event(#"{"user_id": null, "user": "b", "type": "view", "item_id": "I1", "ts": 1700000000}"#).get()
        #expect(draft.userPseudonym == pseudonymizer.pseudonym(of: "b"))
    }

    @Test func ofSeveralWrongMembersTheFirstFieldIsReportedByItsOwnName() throws {
        // `quantity` is an alias of `value`; `hour` and `price` come later in the field order.
        let result = try event(#"{"hour": "x", "quantity": "two", "price": "3", "type": "view", "item_id": "I1", "ts": 1700000000}"#)
        guard case .failure(let error) = result else {
            Issue.record("a string where numbers belong was accepted")
            return
        }
        #expect(error.field == "value")
        #expect(error.message == "must be a number")
        #expect(error.line == 0)
    }

    @Test func anItemKeepsUnknownMembersAsAttributesAndTakesItsIdFromThePath() throws {
        guard
            case .object(let body) = try RequestJSON.parse(
                Data(#"{"sku": "BODY", "title": "Mug", "colour": "red", "material": 5, "note": ""}"#.utf8))
        else {
            Issue.record("not an object")
            return
        }
        let item = try RequestRecords.item(body, itemID: "PATH")
        #expect(item.itemID == "PATH")
        #expect(item.title == "Mug")
        #expect(item.attributes == ["colour": "red", "material": "5"])
    }
}
