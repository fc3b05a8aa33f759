import Foundation

/// Counts the open WebSocket sessions, refuses those beyond the limit, and tells every open
/// session when the server begins to shut down.
final class ConnectionRegistry: @unchecked Sendable {
    /// Most sessions open at once.
    let limit: Int
    private let lock = NSLock()
    private var sessions: [Int: ShutdownTrigger] = [:]
    private var nextID = 0
    private var shuttingDown = false
    private var drained: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        precondition(limit > 0, "ConnectionRegistry: the limit must be positive")
        self.limit = limit
    }

    /// Why a session was refused.
    enum Refusal: Error, Equatable {
        case full(Int)
        case shuttingDown
    }

    /// Admits a session; returns its id and the trigger fired at shutdown.
    func admit() -> Result<(id: Int, trigger: ShutdownTrigger), Refusal> {
        lock.withLock {
            if shuttingDown { return .failure(.shuttingDown) }
            if sessions.count >= limit { return .failure(.full(limit)) }
            nextID += 1
            let trigger = ShutdownTrigger()
            sessions[nextID] = trigger
            return .success((nextID, trigger))
        }
    }

    /// Ends a session admitted by ``admit()``.
    func release(_ id: Int) {
        let waiting: [CheckedContinuation<Void, Never>] = lock.withLock {
            sessions[id] = nil
            guard sessions.isEmpty else { return [] }
            defer { drained = [] }
            return drained
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Sessions open now.
    var count: Int { lock.withLock { sessions.count } }

    /// Refuses new sessions from now on and fires every open session's trigger.
    func beginShutdown() {
        let triggers = lock.withLock {
            shuttingDown = true
            return Array(sessions.values)
        }
        for trigger in triggers { trigger.fire() }
    }

    /// Returns when no session is open.
    func waitUntilEmpty() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let empty = lock.withLock {
                if sessions.isEmpty { return true }
                drained.append(continuation)
                return false
            }
            if empty { continuation.resume() }
        }
    }
}

/// A one-shot signal a task can wait for: fired once, waited for by any number of tasks.
final class ShutdownTrigger: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Wakes every waiter, now and later.
    func fire() {
        let waiting: [CheckedContinuation<Void, Never>] = lock.withLock {
            guard !fired else { return [] }
            fired = true
            defer { waiters = [] }
            return waiters
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Whether ``fire()`` was called.
    var isFired: Bool { lock.withLock { fired } }

    /// Returns once the trigger has fired. Cancelling the waiting task fires it (a trigger serves
    /// one session, which is ending then anyway).
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = lock.withLock {
                    if fired { return true }
                    waiters.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            fire()
        }
    }
}
