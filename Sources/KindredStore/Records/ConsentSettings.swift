import GRDB

/// The consent purposes a shop processes data for, from `settings` (`consent.purposes`,
/// comma-separated), with Kindred's three as the default.
public enum ConsentSettings {
    public static let defaultPurposes = ["personalization", "analytics", "experiments"]

    public static func purposes(in db: Database) throws -> [String] {
        guard let text = try SettingsStore.value("consent.purposes", in: db) else { return defaultPurposes }
        let purposes = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        return purposes.isEmpty ? defaultPurposes : purposes
    }
}
