/// Simulated experiments with a known truth, to check that the tests keep their promises on a
/// shop's own settings: with no true difference (A/A) a test at 95% declares a winner 5% of
/// the time, peeking daily with the fixed-horizon test declares far more, the sequential test
/// stays at or below 5% however often it is looked at; with a true lift, the planned sample
/// size reaches the planned power.
public enum ErrorRateSimulation {
    public struct Settings: Sendable, Equatable, Codable {
        public var experiments: Int
        public var days: Int
        /// New people entering each arm each day.
        public var peoplePerArmPerDay: Int
        /// The control's conversion rate.
        public var baseline: Double
        /// The treatment's true relative lift: 0 for an A/A test.
        public var relativeLift: Double
        public var level: Double
        public var tuning: Double
        public var seed: UInt64

        public init(
            experiments: Int, days: Int, peoplePerArmPerDay: Int, baseline: Double, relativeLift: Double = 0,
            level: Double = 0.95, tuning: Double = SequentialTest.defaultTuning, seed: UInt64 = 1
        ) {
            self.experiments = experiments
            self.days = days
            self.peoplePerArmPerDay = peoplePerArmPerDay
            self.baseline = baseline
            self.relativeLift = relativeLift
            self.level = level
            self.tuning = tuning
            self.seed = seed
        }
    }

    /// Shares of the simulated experiments that declared a difference (p below 1 - level on
    /// the absolute effect). Under A/A these are false positive rates; with a lift, power.
    public struct Rates: Sendable, Equatable, Codable {
        public var experiments: Int
        /// The fixed-horizon z-test, looked at once, after the last day.
        public var fixedOnce: Double
        /// The fixed-horizon z-test, looked at every day, stopped at the first p below alpha.
        public var fixedPeekingDaily: Double
        /// The sequential test, looked at once, after the last day.
        public var sequentialOnce: Double
        /// The sequential test, looked at every day, stopped at the first p below alpha.
        public var sequentialPeekingDaily: Double
    }

    public static func run(_ settings: Settings) -> Rates {
        precondition(settings.experiments > 0 && settings.days > 0 && settings.peoplePerArmPerDay >= 2, "a simulation with people in it")
        let alpha = 1 - settings.level
        let treated = settings.baseline * (1 + settings.relativeLift)
        var generator = SeededGenerator(seed: settings.seed)
        var fixedOnce = 0
        var fixedPeeking = 0
        var sequentialOnce = 0
        var sequentialPeeking = 0
        for _ in 0..<settings.experiments {
            var control = 0.0
            var treatment = 0.0
            var people = 0.0
            var fixedDeclared = false
            var sequentialDeclared = false
            for day in 1...settings.days {
                for _ in 0..<settings.peoplePerArmPerDay {
                    if generator.nextUnit() < settings.baseline { control += 1 }
                    if generator.nextUnit() < treated { treatment += 1 }
                }
                people += Double(settings.peoplePerArmPerDay)
                let a = ArmSummary.proportion(people: people, conversions: control)
                let b = ArmSummary.proportion(people: people, conversions: treatment)
                let fixed = (try? FixedHorizonTest.compare(control: a, treatment: b, method: .twoProportionZ, level: settings.level))?
                    .absolute.pValue ?? 1
                let sequential = (try? SequentialTest.compare(control: a, treatment: b, level: settings.level, tuning: settings.tuning))?
                    .absolute.pValue ?? 1
                if fixed < alpha { fixedDeclared = true }
                if sequential < alpha { sequentialDeclared = true }
                if day == settings.days {
                    if fixed < alpha { fixedOnce += 1 }
                    if sequential < alpha { sequentialOnce += 1 }
                }
            }
            if fixedDeclared { fixedPeeking += 1 }
            if sequentialDeclared { sequentialPeeking += 1 }
        }
        let n = Double(settings.experiments)
        return Rates(
            experiments: settings.experiments, fixedOnce: Double(fixedOnce) / n, fixedPeekingDaily: Double(fixedPeeking) / n,
            sequentialOnce: Double(sequentialOnce) / n, sequentialPeekingDaily: Double(sequentialPeeking) / n)
    }
}
