import Foundation
import KindredStore

extension Engine {
    /// Records one consent decision (the consent import's fields as a JSON object); returns
    /// false when the same decision was recorded already. A decision that ends personalization
    /// drops the person's vector from the model held in memory at once. Only a caller who may
    /// act for the person records it (a public key needs their token).
    public func recordConsent(body: Data, caller: Caller = .owner) throws -> Bool {
        let object = try Self.jsonObject(body)
        let (recorded, stopped) = try database.writer.write { db -> (Bool, Int64?) in
            let purposes = try ConsentSettings.purposes(in: db)
            let draft: ConsentDraft
            do {
                draft = try RequestRecords.consent(object, purposes: purposes, pseudonymizer: database.pseudonymizer)
            } catch let error as DataError {
                throw RequestProblem(.invalid, code: "invalid_field", message: error.message, field: error.field)
            }
            try caller.requireActing(forPseudonym: draft.userPseudonym, pseudonymizer: database.pseudonymizer)
            let recorded = try ConsentBatch.write([draft], in: db, nowMs: clock.now()) == 1
            guard draft.purpose == "personalization", let userPK = try ServingQueries.userPK(pseudonym: draft.userPseudonym, in: db)
            else { return (recorded, nil) }
            let decision = try ConsentLookup.decision(userPK: userPK, purpose: "personalization", in: db)
            return (recorded, try ConsentPolicy.read(in: db).permits("personalization", decision: decision) ? nil : userPK)
        }
        if let stopped { servingCache.drop(userPK: stopped) }
        return recorded
    }
}
