import KindredLearning
import KindredStore

extension RankingContext {
    /// The context of a request at `nowMs`: its local hour when it said one, its device class
    /// by any name events accept for it ("phone" is mobile).
    init(request: RecommendationRequest, nowMs: Int64) {
        self.init(atMs: nowMs, localHour: request.hour, device: request.device.flatMap(Device.init(loosely:))?.rawValue)
    }
}
