/// Why a request to an Engine function cannot be done as asked, in terms any face can
/// translate: the HTTP server into a 4xx status, the CLI into an exit code.
public struct RequestProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The input is malformed or breaks a rule.
        case invalid
        /// The request may not speak for the person it names (a user token missing, expired,
        /// forged or for someone else).
        case unauthorized
        case notFound
        /// The input is larger than allowed.
        case tooLarge
        /// The request clashes with work in progress (a training run already going).
        case conflict
        /// The engine cannot take the request now (shutting down).
        case unavailable
        /// The engine is overloaded or the database is locked: nothing was done, and the same
        /// request may be sent again after `retryAfterSeconds`.
        case busy
    }

    public var kind: Kind
    /// A stable, machine-readable name: `invalid_json`, `unknown_item`, ...
    public var code: String
    public var message: String
    /// The input field at fault, when there is one (`events[3].ts`).
    public var field: String?
    /// For `busy`: when to try again.
    public var retryAfterSeconds: Int?

    public init(_ kind: Kind, code: String, message: String, field: String? = nil, retryAfterSeconds: Int? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.field = field
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Nothing was written because the writer's queue is full or the database stayed locked.
    public static func busy(_ message: String, retryAfterSeconds: Int = 1) -> RequestProblem {
        RequestProblem(.busy, code: "busy", message: message, retryAfterSeconds: retryAfterSeconds)
    }

    public var description: String { field.map { "\($0): \(message)" } ?? message }
}
