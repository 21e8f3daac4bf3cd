/// Reads typed values out of a row, turning anything wrong into a `DataError` that names the
/// file, line and field.
struct FieldReader {
    let row: SourceRow
    let file: String

    func error(_ field: FieldSlot, _ message: String) -> DataError {
        DataError(file: file, line: row.line, field: field.name, message: message)
    }

    func text(_ field: FieldSlot, maxLength: Int = 512) throws(DataError) -> String? {
        guard let value = row.value(field) else { return nil }
        guard value.utf8.count <= maxLength else { throw error(field, "longer than \(maxLength) bytes") }
        return value
    }

    /// An id (`IdentifierRule`), or nil when not given.
    func identifier(_ field: FieldSlot) throws(DataError) -> String? {
        guard let value = row.value(field) else { return nil }
        if let problem = IdentifierRule.problem(value) { throw error(field, problem) }
        return value
    }

    func requiredIdentifier(_ field: FieldSlot) throws(DataError) -> String {
        guard let value = try identifier(field) else { throw error(field, "missing value") }
        return value
    }

    func required(_ field: FieldSlot, maxLength: Int = 512) throws(DataError) -> String {
        guard let value = try text(field, maxLength: maxLength) else { throw error(field, "missing value") }
        return value
    }

    func number(_ field: FieldSlot) throws(DataError) -> Double? {
        guard let value = row.value(field) else { return nil }
        guard let number = Double(value), number.isFinite else { throw error(field, "'\(value.prefix(40))' is not a number") }
        return number
    }

    func integer(_ field: FieldSlot, in range: ClosedRange<Int>) throws(DataError) -> Int? {
        guard let value = row.value(field) else { return nil }
        guard let number = Int(value) ?? Double(value).flatMap({ $0.rounded() == $0 ? Int(exactly: $0) : nil }) else {
            throw error(field, "'\(value.prefix(40))' is not a whole number")
        }
        guard range.contains(number) else { throw error(field, "\(number) is outside \(range.lowerBound)...\(range.upperBound)") }
        return number
    }

    func boolean(_ field: FieldSlot) throws(DataError) -> Bool? {
        guard let value = row.value(field) else { return nil }
        switch value.lowercased() {
        case "1", "true", "t", "yes", "y", "granted", "grant", "opt-in", "optin", "accept", "accepted", "allow":
            return true
        case "0", "false", "f", "no", "n", "withdrawn", "withdraw", "denied", "deny", "opt-out", "optout", "decline", "declined", "refused":
            return false
        default:
            throw error(field, "'\(value.prefix(40))' is not yes or no (use true/false, 1/0, granted/withdrawn)")
        }
    }

    func timestamp(_ field: FieldSlot) throws(DataError) -> TimestampParser.Parsed {
        guard let value = row.value(field) else { throw error(field, "missing timestamp") }
        switch TimestampParser.parse(value) {
        case .success(let parsed): return parsed
        case .failure(let reason): throw error(field, "'\(value.prefix(40))': \(reason)")
        }
    }
}
