import KindredStore

/// What a request may do with the person it names, by the shop's consent modes and their
/// latest decisions: use their history (personalization) and log them with what was shown
/// (analytics). Read in the request's own transaction, so a decision counts from the next
/// request on, whichever process recorded it.
struct ServingConsent {
    var personalization: Bool
    var analytics: Bool

    static func read(userPK: Int64?, in db: StoreConnection) throws -> ServingConsent {
        guard let userPK else { return ServingConsent(personalization: false, analytics: false) }
        let policy = try ConsentPolicy.read(in: db)
        let decisions = try ConsentLookup.decisions(userPK: userPK, in: db)
        return ServingConsent(
            personalization: policy.permits("personalization", decision: decisions["personalization"]),
            analytics: policy.permits("analytics", decision: decisions["analytics"]))
    }
}
