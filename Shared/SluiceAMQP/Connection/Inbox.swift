import CAMQPShim
import Foundation
import Synchronization

/// Hands work from any task to a connection's own thread. The thread sleeps in
/// `poll` on the broker's socket and on this inbox's eventfd, so a new command wakes
/// it at once instead of waiting out its poll timeout.
///
/// The queued commands and the closed flag are guarded by a `Mutex`; the eventfd is
/// safe to write from any thread.
final class Inbox<Command: Sendable>: Sendable {
    private struct State {
        var items: [Command] = []
        var closed = false
    }

    let wakeFD: Int32
    private let state = Mutex(State())

    init() {
        wakeFD = sluice_eventfd()
        precondition(wakeFD >= 0, "eventfd failed: errno \(errno)")
    }

    deinit { Glibc.close(wakeFD) }

    /// Queues `command`; returns false once the inbox is closed.
    @discardableResult
    func send(_ command: Command) -> Bool {
        let accepted = state.withLock { state in
            guard !state.closed else { return false }
            state.items.append(command)
            return true
        }
        if accepted { wake() }
        return accepted
    }

    /// Takes everything queued so far, and whether the inbox has been closed.
    func drain() -> (commands: [Command], closed: Bool) {
        var counter: UInt64 = 0
        _ = read(wakeFD, &counter, 8)
        return state.withLock { state in
            defer { state.items.removeAll(keepingCapacity: true) }
            return (state.items, state.closed)
        }
    }

    /// Refuses further commands; those already queued are still drained.
    func close() {
        state.withLock { $0.closed = true }
        wake()
    }

    /// Sleeps until woken or `timeout` passes (used when there is no socket to watch).
    func wait(timeout: Duration) {
        var fd = pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
        _ = poll(&fd, 1, Int32(max(0, timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)))
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }
}
