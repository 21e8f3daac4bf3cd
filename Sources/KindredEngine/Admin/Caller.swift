import KindredStore

/// Who a request speaks for: its key's role and, for a public key, the one person whose valid
/// user token came with it. Every use case that names a person asks the caller first, so that
/// the rule of DESIGN.md "Who may speak for whom" lives in one place for every face.
public struct Caller: Sendable, Equatable {
    public var role: ApiRole
    /// The id a verified user token speaks for (public keys only; nil without a token).
    public var tokenUserID: String?

    public init(role: ApiRole, tokenUserID: String? = nil) {
        self.role = role
        self.tokenUserID = tokenUserID
    }

    /// The command line and the shop's own scripts: they act for anyone.
    public static let owner = Caller(role: .admin)

    /// Whether the caller may act for the person `userID` names.
    public func mayAct(for userID: String) -> Bool {
        role.actsForAnyone || tokenUserID == userID
    }

    /// Refuses a request that must act for `userID` (consents, experiment variants) when the
    /// caller may not: 401 `token_required` without a token, `token_mismatch` with another's.
    public func requireActing(for userID: String) throws(RequestProblem) {
        guard !mayAct(for: userID) else { return }
        throw tokenUserID == nil ? .tokenRequired : .tokenMismatch
    }

    /// Like `requireActing(for:)`, for a person known by pseudonym (a parsed body).
    func requireActing(forPseudonym pseudonym: String, pseudonymizer: Pseudonymizer) throws(RequestProblem) {
        guard !role.actsForAnyone else { return }
        guard let tokenUserID else { throw .tokenRequired }
        guard pseudonymizer.pseudonym(of: tokenUserID) == pseudonym else { throw .tokenMismatch }
    }
}

extension RequestProblem {
    static let tokenRequired = RequestProblem(
        .unauthorized, code: "token_required",
        message:
            "a public key acts for a named person only with their user token (X-Kindred-User-Token header or token parameter); see README \"User tokens\"",
        field: "user_id")
    static let tokenMismatch = RequestProblem(
        .unauthorized, code: "token_mismatch", message: "the user token is for a different person than the request names", field: "user_id")
}
