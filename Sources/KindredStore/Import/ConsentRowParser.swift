/// A consent decision as read from a file or a request; the person is already a pseudonym.
public struct ConsentDraft: Sendable, Equatable {
    public var userPseudonym: String
    public var purpose: String
    public var granted: Bool
    public var decidedMs: Int64
    public var source: String?
    public var policyVersion: String?
}

/// Turns consent rows into `ConsentDraft`s, accepting only the purposes the shop configured.
struct ConsentRowParser {
    let file: String
    let purposes: [String]
    let pseudonymizer: Pseudonymizer

    /// The fields read, located once.
    private enum Field {
        static let userID = ImportKind.consents.slot("user_id")
        static let ts = ImportKind.consents.slot("ts")
        static let purpose = ImportKind.consents.slot("purpose")
        static let granted = ImportKind.consents.slot("granted")
        static let source = ImportKind.consents.slot("source")
        static let policyVersion = ImportKind.consents.slot("policy_version")
    }

    func parse(_ row: SourceRow) throws(DataError) -> ConsentDraft {
        let fields = FieldReader(row: row, file: file)
        let rawUser = try fields.requiredIdentifier(Field.userID)
        let purpose = try fields.required(Field.purpose, maxLength: 64).lowercased()
        guard purposes.contains(purpose) else {
            throw fields.error(Field.purpose, "unknown purpose '\(purpose.prefix(40))' (configured: \(purposes.joined(separator: ", ")))")
        }
        guard let granted = try fields.boolean(Field.granted) else { throw fields.error(Field.granted, "missing value") }
        return ConsentDraft(
            userPseudonym: pseudonymizer.pseudonym(of: rawUser),
            purpose: purpose,
            granted: granted,
            decidedMs: try fields.timestamp(Field.ts).milliseconds,
            source: try fields.text(Field.source, maxLength: 128),
            policyVersion: try fields.text(Field.policyVersion, maxLength: 64))
    }
}
