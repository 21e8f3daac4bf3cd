import Foundation
import KindredStore

/// What became of a batch of events posted to the API.
public struct EventBatchReport: Sendable, Codable, Equatable {
    public struct Rejection: Sendable, Codable, Equatable {
        /// Position of the event in the batch, from 0.
        public var index: Int
        public var field: String?
        public var message: String
    }

    public var received: Int
    public var stored: Int
    /// Events that were stored already (a retried request, say).
    public var duplicates: Int
    /// Stored without their person, who may not be processed for analytics.
    public var anonymized: Int
    /// Stored without their person (session only): they came with a public key and no user
    /// token, which may not speak for anyone.
    public var withoutToken: Int
    /// Not stored: no analytics consent, and the shop drops such events.
    public var withheld: Int
    public var rejected: [Rejection]
}

extension Engine {
    /// Stores a batch of events (`{"events": [...]}`, each with the import's fields) through
    /// the group-commit writer. Bad events are reported by index and the good ones stored; a
    /// body that is not such a batch is refused whole. Events that name a person the caller may
    /// not act for are stored without them (no token) or refuse the whole batch (another
    /// person's token): nobody posts events as someone else.
    public func ingestEvents(body: Data, maxEvents: Int, writer: GroupCommitWriter, caller: Caller = .owner) async throws
        -> EventBatchReport
    {
        let objects = try Self.batchObjects(body, member: "events", maxCount: maxEvents)
        var drafts: [EventDraft] = []
        var rejected: [EventBatchReport.Rejection] = []
        var withoutToken = 0
        let tokenPseudonym = caller.tokenUserID.map(database.pseudonymizer.pseudonym(of:))
        for (index, result) in RequestRecords.events(objects, pseudonymizer: database.pseudonymizer).enumerated() {
            switch result {
            case .success(var draft):
                if let pseudonym = draft.userPseudonym, !caller.role.actsForAnyone, pseudonym != tokenPseudonym {
                    guard tokenPseudonym == nil else {
                        var problem = RequestProblem.tokenMismatch
                        problem.field = "events[\(index)].user_id"
                        throw problem
                    }
                    draft.userPseudonym = nil
                    withoutToken += 1
                }
                drafts.append(draft)
            case .failure(let error): rejected.append(.init(index: index, field: error.field, message: error.message))
            }
        }
        let outcome: EventBatchSession.Outcome
        do {
            outcome = try await writer.write(drafts, bytes: body.count)
        } catch let closed as GroupCommitWriter.Closed {
            throw RequestProblem(.unavailable, code: "shutting_down", message: closed.description)
        } catch let busy as GroupCommitWriter.Busy {
            throw RequestProblem.busy(busy.reason, retryAfterSeconds: busy.retryAfterSeconds)
        }
        return EventBatchReport(
            received: objects.count, stored: outcome.stored, duplicates: outcome.duplicates, anonymized: outcome.anonymized,
            withoutToken: withoutToken, withheld: outcome.withheld, rejected: rejected)
    }

    /// The array under `member` of a JSON object body, checked for size.
    static func batchObjects(_ body: Data, member: String, maxCount: Int) throws(RequestProblem) -> [JSONValue] {
        let root = try jsonObject(body)
        guard let array = root[member] else {
            throw RequestProblem(.invalid, code: "missing_field", message: "the body has no '\(member)' array", field: member)
        }
        guard case .array(let list) = array else {
            throw RequestProblem(.invalid, code: "invalid_field", message: "'\(member)' must be an array", field: member)
        }
        guard list.count <= maxCount else {
            throw RequestProblem(
                .tooLarge, code: "batch_too_large", message: "\(list.count) \(member) in one request; at most \(maxCount) are allowed",
                field: member)
        }
        return list
    }

    /// A JSON object body.
    static func jsonObject(_ body: Data) throws(RequestProblem) -> [String: JSONValue] {
        let parsed: JSONValue
        do {
            parsed = try RequestJSON.parse(body)
        } catch {
            throw RequestProblem(.invalid, code: "invalid_json", message: "the body is not valid JSON: \(error)")
        }
        guard case .object(let root) = parsed else {
            throw RequestProblem(.invalid, code: "invalid_json", message: "the body must be a JSON object")
        }
        return root
    }
}
