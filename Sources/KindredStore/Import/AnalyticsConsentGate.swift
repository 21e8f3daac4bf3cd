import GRDB

/// Consent on the way in, the same on every path: an event of a person who may not be
/// processed for analytics is kept without them or not at all
/// (`consent.events_without_analytics`), and in neither case does a profile for them come
/// into being. Decisions are looked up once per person for as long as the gate lives (one
/// transaction, or one slice of a staged import).
final class AnalyticsConsentGate {
    private let db: Database
    private let policy: ConsentPolicy
    /// Whether any lookup is needed: an opt-out purpose nobody withdrew from permits everyone.
    private let needsLookup: Bool
    private var permitted: [String: Bool] = [:]
    /// Events kept without their person.
    private(set) var anonymized = 0

    init(db: Database) throws {
        self.db = db
        policy = try ConsentPolicy.read(in: db)
        let anyWithdrawal = try ConsentLookup.anyWithdrawal(purpose: "analytics", in: db)
        needsLookup = policy.mode("analytics") == .optIn || anyWithdrawal
    }

    /// The event as it may be stored, or nil when it may not be stored at all.
    func admit(_ original: EventDraft) throws -> EventDraft? {
        guard let pseudonym = original.userPseudonym, !(try permits(pseudonym)) else { return original }
        switch policy.withoutAnalytics {
        case .drop:
            return nil
        case .anonymize:
            var draft = original
            draft.userPseudonym = nil
            anonymized += 1
            return draft
        }
    }

    private func permits(_ pseudonym: String) throws -> Bool {
        guard needsLookup else { return true }
        if let known = permitted[pseudonym] { return known }
        let decision = policy.permits("analytics", decision: try ConsentLookup.decision(pseudonym: pseudonym, purpose: "analytics", in: db))
        permitted[pseudonym] = decision
        return decision
    }
}
