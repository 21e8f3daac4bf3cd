/// The direct method's and doubly robust estimator's model of the expected reward of an action
/// in a round: a logistic regression on the action, the slot, the round's context values and
/// (when the log has it) the round's affinity for the action, the design Open Bandit Pipeline's
/// `RegressionModel` uses with a logistic base model.
///
/// Cross-fitted: the rounds are dealt into `folds` folds by index (round i in fold i mod k),
/// and a round's rewards are predicted by the model fitted on the other folds, so that the
/// doubly robust correction is not fitted to the very rewards it corrects. With one fold the
/// model is fitted on every round and predicts them in-sample.
public struct RewardModel: Sendable {
    public let folds: Int
    public let l2: Double
    let models: [LogisticRegression]
    let actionCount: Int
    /// One-hot columns for actions: actions numbered at or past it share the last one (number
    /// actions by frequency first, so that the rare ones share).
    let actionColumns: Int
    let slotCount: Int
    let contextValueCount: Int
    let hasAffinity: Bool

    /// Columns: intercept, actions, slots, context values, affinity.
    var columnCount: Int { 1 + actionColumns + slotCount + contextValueCount + (hasAffinity ? 1 : 0) }

    public init(fitting log: BanditLog, folds: Int = 3, l2: Double = 1, maxActionColumns: Int = 1_000) {
        precondition(folds >= 1, "at least one fold")
        self.folds = folds
        self.l2 = l2
        actionCount = log.actionCount
        actionColumns = max(1, min(log.actionCount, maxActionColumns))
        slotCount = log.slotCount
        contextValueCount = log.contextValueCount
        hasAffinity = log.actionAffinity != nil
        var design = SparseRows(columnCount: 1 + actionColumns + slotCount + contextValueCount + (hasAffinity ? 1 : 0))
        var labels: [Double] = []
        labels.reserveCapacity(log.rounds.count)
        var scratch: ([Int], [Double]) = ([], [])
        for index in log.rounds.indices {
            Self.features(
                round: index, action: log.rounds[index].action, log: log, actionColumns: actionColumns,
                slotCount: slotCount, hasAffinity: hasAffinity, into: &scratch)
            design.append(columns: scratch.0, values: scratch.1)
            labels.append(log.rounds[index].reward > 0 ? 1 : 0)
        }
        if folds == 1 {
            models = [LogisticRegression.fit(design, labels: labels, l2: l2)]
        } else {
            models = (0..<folds).map { fold in
                let training = log.rounds.indices.filter { $0 % folds != fold }
                return LogisticRegression.fit(design, labels: labels, rows: training, l2: l2)
            }
        }
    }

    /// The predicted reward of `action` in round `index` of `log`, by the model that did not
    /// see the round.
    public func predict(round index: Int, action: Int, of log: BanditLog) -> Double {
        var scratch: ([Int], [Double]) = ([], [])
        Self.features(
            round: index, action: action, log: log, actionColumns: actionColumns, slotCount: slotCount,
            hasAffinity: hasAffinity, into: &scratch)
        return models[folds == 1 ? 0 : index % folds].probability(columns: scratch.0, values: scratch.1)
    }

    static func features(
        round index: Int, action: Int, log: BanditLog, actionColumns: Int, slotCount: Int, hasAffinity: Bool,
        into scratch: inout ([Int], [Double])
    ) {
        let round = log.rounds[index]
        scratch.0.removeAll(keepingCapacity: true)
        scratch.1.removeAll(keepingCapacity: true)
        scratch.0.append(0)
        scratch.1.append(1)
        scratch.0.append(1 + min(action, actionColumns - 1))
        scratch.1.append(1)
        scratch.0.append(1 + actionColumns + round.slot)
        scratch.1.append(1)
        for value in round.context {
            scratch.0.append(1 + actionColumns + slotCount + value)
            scratch.1.append(1)
        }
        if hasAffinity {
            scratch.0.append(1 + actionColumns + slotCount + log.contextValueCount)
            scratch.1.append(log.affinity(round: index, action: action))
        }
    }
}
