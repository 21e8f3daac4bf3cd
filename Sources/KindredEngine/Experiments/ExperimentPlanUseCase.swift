import Foundation
import KindredLearning
import KindredStore

/// `kindred experiments plan`: people per variant for an effect worth finding, and how many
/// days the shop's own traffic takes to bring them.
public struct ExperimentPlan: Sendable, Equatable, Codable {
    public var baseline: Double
    public var lift: Double
    public var alpha: Double
    public var power: Double
    public var variants: Int
    public var trafficShare: Double
    public var peoplePerVariant: Int
    public var peopleInTotal: Int
    public var effectSize: Double
    public var method: String
    /// Eligible people per day: those seen in the traffic window whom the consent policy lets
    /// into experiments, divided by the window's days. Nil without a database or events.
    public var eligiblePeoplePerDay: Double?
    public var trafficWindowDays: Int?
    public var trafficWindowEnd: String?
    public var days: Int?
}

public struct PlanRequest: Sendable, Equatable {
    public var baseline: Double
    public var lift: Double
    public var power: Double = 0.8
    public var alpha: Double = 0.05
    public var variants: Int = 2
    public var trafficShare: Double = 1

    public init(baseline: Double, lift: Double, power: Double = 0.8, alpha: Double = 0.05, variants: Int = 2, trafficShare: Double = 1) {
        self.baseline = baseline
        self.lift = lift
        self.power = power
        self.alpha = alpha
        self.variants = variants
        self.trafficShare = trafficShare
    }

    public func validate() throws {
        func bad(_ field: String, _ message: String) -> RequestProblem {
            RequestProblem(.invalid, code: "invalid_field", message: message, field: field)
        }
        guard baseline > 0, baseline < 1 else { throw bad("baseline", "a conversion rate between 0 and 1, such as 0.04") }
        guard lift != 0, lift.isFinite, baseline * (1 + lift) > 0, baseline * (1 + lift) < 1 else {
            throw bad("lift", "a relative change such as 0.1 (10%) that keeps the rate between 0 and 1")
        }
        guard power >= 0.5, power <= 0.9999 else { throw bad("power", "a power from 0.5 to 0.9999, such as 0.8") }
        guard alpha >= 0.0001, alpha <= 0.2 else { throw bad("alpha", "a significance level from 0.0001 to 0.2, such as 0.05") }
        guard (2...26).contains(variants) else { throw bad("variants", "2 to 26 variants, the control among them") }
        guard trafficShare >= 0.001, trafficShare <= 1 else { throw bad("traffic_share", "a share of traffic from 0.001 to 1") }
        // Cohen's h below this needs more than 10^11 people a variant: not an experiment.
        let h = 2 * asin((baseline * (1 + lift)).squareRoot()) - 2 * asin(baseline.squareRoot())
        guard abs(h) >= 1e-5 else { throw bad("lift", "a lift this small needs more people than any shop has; plan for a larger one") }
    }
}

extension Engine {
    public static let trafficWindowDays = 28

    /// The sample size alone, without a shop's traffic.
    public static func plan(_ request: PlanRequest) throws -> ExperimentPlan {
        try request.validate()
        let sizing = PowerPlanning.proportions(baseline: request.baseline, relativeLift: request.lift, alpha: request.alpha, power: request.power)
        return ExperimentPlan(
            baseline: request.baseline, lift: request.lift, alpha: request.alpha, power: request.power, variants: request.variants,
            trafficShare: request.trafficShare, peoplePerVariant: sizing.peoplePerVariant,
            peopleInTotal: sizing.peoplePerVariant * request.variants, effectSize: sizing.effectSize, method: sizing.method)
    }

    /// The sample size and the days this shop's eligible traffic needs to reach it.
    public func plan(_ request: PlanRequest) throws -> ExperimentPlan {
        var plan = try Self.plan(request)
        let window = try database.writer.read { db -> (ExperimentTraffic.Window, Bool)? in
            guard let window = try ExperimentTraffic.recent(days: Self.trafficWindowDays, in: db) else { return nil }
            return (window, try ConsentPolicy.read(in: db).permits("experiments", decision: nil))
        }
        guard let (traffic, allowedWithoutDecision) = window else { return plan }
        let eligible = allowedWithoutDecision ? traffic.people - traffic.denied : traffic.granted
        let perDay = Double(eligible) / Double(traffic.days)
        plan.eligiblePeoplePerDay = perDay
        plan.trafficWindowDays = traffic.days
        plan.trafficWindowEnd = TimestampFormatter.iso8601(milliseconds: traffic.endMs)
        let days = (Double(plan.peopleInTotal) / (perDay * request.trafficShare)).rounded(.up)
        // More than a lifetime is no plan: the answer says the traffic is too thin instead.
        if perDay > 0, days.isFinite, days <= 1_000_000 { plan.days = Int(days) }
        return plan
    }
}
