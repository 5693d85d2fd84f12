import Synchronization

/// Keys verified at a given `api_key_epoch`; any other epoch empties it. Bounded: past 4096
/// secrets it starts over, so a flood of distinct keys cannot grow it.
public final class VerifiedKeyCache: Sendable {
    private struct State {
        var epoch: Int64 = -1
        var keys: [String: APIKey] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    func lookup(_ secret: String, epoch: Int64) -> APIKey? {
        state.withLock { state in
            guard state.epoch == epoch else {
                state.epoch = epoch
                state.keys.removeAll()
                return nil
            }
            return state.keys[secret]
        }
    }

    func store(_ secret: String, key: APIKey, epoch: Int64) {
        state.withLock { state in
            guard state.epoch == epoch else { return }
            if state.keys.count >= 4096 { state.keys.removeAll() }
            state.keys[secret] = key
        }
    }
}
