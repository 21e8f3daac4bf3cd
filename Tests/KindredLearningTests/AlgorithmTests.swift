import Foundation
import Testing

@testable import KindredLearning

@Suite struct PopularityTests {
    @Test func countsDistinctUsers() {
        let m = SparseMatrix(rows: 3, columns: 3, entries: [(0, 0, 5), (1, 0, 1), (2, 1, 1)])
        let model = PopularityAlgorithm().fit(TrainingSet(interactions: m)) as! PopularityModel
        #expect(model.popularity == [2, 1, 0])
    }
}

@Suite struct ItemKNNTests {
    // Users x items: u0 {A, B}, u1 {A, C}, u2 {B, C}, u3 {A, B}.
    let matrix = SparseMatrix(
        rows: 4, columns: 3, entries: [(0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 2, 1), (2, 1, 1), (2, 2, 1), (3, 0, 1), (3, 1, 1)])

    @Test func cosineSimilarityByHand() {
        // |A| = |B| = sqrt(3), |C| = sqrt(2); A.B = 2 (u0, u3), A.C = 1, B.C = 1.
        let model = ItemKNNAlgorithm(similarity: .cosine, neighbours: 5, threads: 1).fit(TrainingSet(interactions: matrix)) as! ItemKNNModel
        let a = model.neighbours[0]
        #expect(a.map(\.item) == [1, 2])
        #expect(abs(Double(a[0].score) - 2.0 / 3) < 1e-6)
        #expect(abs(Double(a[1].score) - 1 / (3.0.squareRoot() * 2.0.squareRoot())) < 1e-6)
        // A user who has A and C: B scores sim(A,B) + sim(C,B).
        var scores = [Float](repeating: 0, count: 3)
        model.score(user: nil, history: SparseVector(indices: [0, 2], values: [1, 1]), into: &scores)
        #expect(abs(scores[1] - Float(2.0 / 3 + 1 / (3.0.squareRoot() * 2.0.squareRoot()))) < 1e-6)
    }

    @Test func bm25WeightsByHand() {
        // Documents are items, terms are users. N = 3 items; each user touched 2 items, so
        // idf = ln 3 - ln(1 + 2) = 0 for everyone... which makes every weight 0. Use a user who
        // touched a single item to get a positive idf: u4 {C}.
        var entries: [(row: Int32, column: Int32, value: Float)] = [(0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 2, 1), (2, 2, 1)]
        entries.append((2, 1, 1))
        let m = SparseMatrix(rows: 4, columns: 3, entries: entries + [(3, 2, 1)])
        let algorithm = ItemKNNAlgorithm(similarity: .bm25, neighbours: 5, k1: 1.2, b: 0, threads: 1)
        let weighted = algorithm.weightedItemVectors(m)  // items x users
        // With b = 0, length norm = 1: w = x (k1 + 1) / (k1 + x) * idf = 1 * idf for x = 1.
        // idf(u3) = ln 3 - ln 2 (u3 touched one item); idf(u0..u2) = ln 3 - ln 3 = 0.
        let c = weighted.row(2)
        let u3 = c.columns.firstIndex(of: 3)!
        #expect(abs(c.values[u3] - Float(log(3.0) - log(2.0))) < 1e-6)
        #expect(weighted.row(0).values.allSatisfy { abs($0) < 1e-6 })
    }
}

@Suite struct ContentTests {
    @Test func tfidfCosineByHand() {
        // d0 {red, mug}, d1 {red, cup}, d2 {blue, cup}; N = 3.
        // idf(red) = idf(cup) = ln 1.5, idf(mug) = idf(blue) = ln 3.
        let texts = [["red", "mug"], ["red", "cup"], ["blue", "cup"]]
        let model =
            ContentAlgorithm(neighbours: 5, maxDocumentShare: 1, threads: 1).fit(
                TrainingSet(
                    interactions: SparseMatrix(rows: 0, columns: 3, entries: []), itemText: texts)) as! ItemKNNModel
        let r = log(1.5)
        let m = log(3.0)
        // d0 = (r, m), d1 = (r, r) over (red, mug) and (red, cup); cosine = r^2 / (|d0| |d1|).
        let expected = r * r / ((r * r + m * m).squareRoot() * (2 * r * r).squareRoot())
        #expect(model.neighbours[0].map(\.item) == [1])
        #expect(abs(Double(model.neighbours[0][0].score) - expected) < 1e-5)
        #expect(model.neighbours[1].map(\.item).sorted() == [0, 2])
    }

    @Test func tokensCarryTheirKind() {
        let tokens = ContentTokenizer.tokens(title: "Red Enamel Mug, set of 2", category: "home/kitchen", tags: ["Gift"])
        #expect(tokens == ["red", "enamel", "mug", "category:home", "category:home/kitchen", "tag:gift"])
    }
}

@Suite struct ALSTests {
    @Test func conjugateGradientReachesTheExactLeastSquaresSolution() {
        // With as many CG steps as factors, CG solves the user's normal equations exactly:
        // the same answer fold-in gets by Cholesky.
        var random = SeededGenerator(seed: 9)
        let f = 4
        let items = 6
        let itemFactors = (0..<(items * f)).map { _ in Float(random.nextGaussian()) }
        let confidence = SparseMatrix(rows: 1, columns: items, entries: [(0, 1, 3), (0, 4, 1.5), (0, 5, 6)])
        var user = [Float](repeating: 0, count: f)
        ConjugateGradient.solve(
            targets: &user, fixed: itemFactors, confidence: confidence, factors: f, regularization: 0.5, steps: f, threads: 1)
        let model = MatrixFactorizationModel(userFactors: [], itemFactors: itemFactors, factors: f, regularization: 0.5, alpha: 1)
        // fold-in uses confidence 1 + alpha w: pass w = c - 1.
        let exact = model.foldIn(SparseVector(indices: [1, 4, 5], values: [2, 0.5, 5]))
        for d in 0..<f { #expect(abs(user[d] - exact[d]) < 1e-3) }
    }

    @Test func theSameSeedGivesTheSameFactors() {
        let m = SparseMatrix(rows: 3, columns: 3, entries: [(0, 0, 1), (1, 1, 1), (2, 2, 1), (0, 1, 1)])
        let a = ALSAlgorithm(factors: 8, iterations: 3, threads: 2, seed: 5).fitFactors(TrainingSet(interactions: m))
        let b = ALSAlgorithm(factors: 8, iterations: 3, threads: 1, seed: 5).fitFactors(TrainingSet(interactions: m))
        #expect(a.itemFactors == b.itemFactors, "threads change the schedule, not the result")
    }
}
