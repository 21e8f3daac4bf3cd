/// The item vectors a fitted model carries, for anything that needs item likeness beyond
/// the model's own similar-items: diversity re-ranking, intra-list diversity.
public enum ItemEmbeddings {
    /// Cosine similarity over the model's item vectors; nil for models without them
    /// (neighbour and popularity models).
    public static func similarity(of model: any RecommenderModel) -> EmbeddingSimilarity? {
        if let factors = model as? MatrixFactorizationModel {
            return EmbeddingSimilarity(vectors: factors.itemFactors, dimensions: factors.factors)
        }
        if let item2vec = model as? Item2VecModel {
            return EmbeddingSimilarity(vectors: item2vec.unitVectors, dimensions: item2vec.dimensions)
        }
        if let hybrid = model as? HybridModel {
            return similarity(of: hybrid.collaborative)
        }
        if let blend = model as? TrendBlendModel {
            return similarity(of: blend.base)
        }
        return nil
    }
}
