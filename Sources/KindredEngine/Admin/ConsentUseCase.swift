import Foundation
import KindredStore

extension Engine {
    /// Records one consent decision (the consent import's fields as a JSON object); returns
    /// false when the same decision was recorded already.
    public func recordConsent(body: Data) throws -> Bool {
        let object = try Self.jsonObject(body)
        return try database.writer.write { db in
            let purposes = try ConsentSettings.purposes(in: db)
            let draft: ConsentDraft
            do {
                draft = try RequestRecords.consent(object, purposes: purposes, pseudonymizer: database.pseudonymizer)
            } catch let error as DataError {
                throw RequestProblem(.invalid, code: "invalid_field", message: error.message, field: error.field)
            }
            return try ConsentBatch.write([draft], in: db, nowMs: clock.now()) == 1
        }
    }
}
