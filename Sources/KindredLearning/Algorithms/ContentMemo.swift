import Foundation

/// Content neighbours depend on the catalog's text alone, not on interactions, so one training
/// run (a validation fit, the active model's fit on the same split, the final fit) needs them
/// only once. A memo lives for one run and is handed to the content and hybrid algorithms it
/// makes; an algorithm without one computes its neighbours as usual.
public final class ContentMemo: @unchecked Sendable {
    private struct Entry {
        let neighbours: Int
        let maxDocumentShare: Double
        let itemText: [[String]]
        let model: ItemKNNModel
    }

    private let lock = NSLock()
    private var entries: [Entry] = []
    /// How many times neighbours were actually computed (tests hold the sharing to this).
    var computations: Int { lock.withLock { entries.count } }

    public init() {}

    /// The neighbours for these texts and settings, computed by `make` the first time.
    func neighbours(
        itemText: [[String]], neighbours: Int, maxDocumentShare: Double, make: () -> ItemKNNModel
    ) -> ItemKNNModel {
        lock.lock()
        defer { lock.unlock() }
        if let found = entries.first(where: {
            $0.neighbours == neighbours && $0.maxDocumentShare == maxDocumentShare && $0.itemText == itemText
        }) {
            return found.model
        }
        let model = make()
        entries.append(Entry(neighbours: neighbours, maxDocumentShare: maxDocumentShare, itemText: itemText, model: model))
        return model
    }
}
