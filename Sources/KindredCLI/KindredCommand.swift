import ArgumentParser

/// The root command: lists the subcommands and holds nothing else.
public struct KindredCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kindred",
        abstract: "A personalization appliance for small shops: one binary, one SQLite file.",
        discussion: """
            Kindred keeps a shop's catalog, events, consent records, pseudonymous user profiles, models and audit log in one SQLite database. Raw user ids never reach the database: they are replaced by keyed hashes under a key kept in a separate file (<db>.key).

            Exit status: 0 success, 2 usage error, 65 bad input data, 1 anything else. Environment: KINDRED_DB (database path), KINDRED_KEY_FILE (key file path).
            """,
        version: "0.1.0",
        subcommands: [
            InitCommand.self, ImportCommand.self, StatusCommand.self, TrainCommand.self, EvaluateCommand.self, ModelsCommand.self,
            ActivateCommand.self, RecommendCommand.self, SimilarCommand.self, LatencyCommand.self, DemoCommand.self, GenerateCommand.self,
            PseudonymCommand.self, ServeCommand.self, SimulateCommand.self, KeysCommand.self, SettingsCommand.self, ForgetCommand.self,
            ExportCommand.self,
            PurgeCommand.self, BackupCommand.self, RestoreCommand.self, ExperimentsCommand.self, KPIsCommand.self, FeaturesCommand.self,
            SegmentsCommand.self, TokensCommand.self,
            PreferencesCommand.self, PageCommand.self, BlocksCommand.self, RulesCommand.self, PoliciesCommand.self, AuditCommand.self,
            BanditCommand.self, EventsCommand.self, RankerCommand.self,
        ]
    )

    public init() {}
}
