import ArgumentParser
import Foundation
import SluiceClient

/// Follows a job's events to its end, drawing a ``ProgressBoard`` (redrawn in place on
/// a terminal, plain lines otherwise), then prints the summary of a completed job or
/// the reason of a failed one. Shared by `sluice watch` and `sluice submit --wait`.
///
/// Exit status: 0 when the job completed; 2 when it failed or was cancelled; 3 when
/// `timeout` passed first (the job runs on); 1 when the gateway refused.
struct JobFollower {
    let client: GatewayClient
    let timeout: Duration
    /// Print the summary (or the failed job) as the gateway's JSON, and no board.
    var json = false
    /// Redraw in place: standard output is a terminal.
    var live = isatty(STDOUT_FILENO) == 1

    func follow(_ id: String) async throws {
        let board = try await withThrowingTaskGroup(of: ProgressBoard?.self) { group in
            group.addTask { try await self.draw(id) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let board, board.ended else {
            let reason = board == nil ? "still running after \(timeout)" : "the event stream ended early"
            FileHandle.standardError.write(Data("sluice: job \(id) \(reason); follow it with `sluice watch \(id)`\n".utf8))
            throw ExitCode(3)
        }
        guard board.status == "completed" else {
            if json { print(try await client.job(id).text) }
            throw ExitCode(2)
        }
        let results = try await client.results(id)
        if json {
            print(results.text)
        } else {
            print(SummaryText.rendered(results.body) ?? results.text)
        }
    }

    /// What the drawing loop wakes up for.
    private enum Update: Sendable {
        case event(ServerSentEvent)
        /// Time to redraw a terminal's board (running stages' elapsed time moves on).
        case tick
        case streamEnded((any Error)?)
    }

    /// Draws the board until the job's `end` event (or the stream's end); returns it.
    private func draw(_ id: String) async throws -> ProgressBoard {
        let (updates, continuation) = AsyncStream.makeStream(of: Update.self)
        let (client, live, quiet) = (client, live && !json, json)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await event in client.events(of: id) { continuation.yield(.event(event)) }
                    continuation.yield(.streamEnded(nil))
                } catch {
                    continuation.yield(.streamEnded(error))
                }
            }
            if live {
                group.addTask {
                    while true {
                        try await Task.sleep(for: .milliseconds(500))
                        continuation.yield(.tick)
                    }
                }
            }
            defer { group.cancelAll() }
            var board = ProgressBoard()
            var drawn = 0
            for await update in updates {
                switch update {
                case .event(let event):
                    board.apply(event)
                    if !live, !quiet, let line = board.line(for: event) { print(line) }
                case .tick:
                    break
                case .streamEnded(let error):
                    if let error { throw error }
                    return board
                }
                if live { drawn = redraw(board.frame(), over: drawn) }
                if board.ended { return board }
            }
            return board
        }
    }

    /// Writes `lines` over the `previous` lines drawn last time; returns how many it drew.
    private func redraw(_ lines: [String], over previous: Int) -> Int {
        var text = previous > 0 ? "\u{1B}[\(previous)F" : ""
        for line in lines { text += "\u{1B}[2K\(line)\n" }
        FileHandle.standardOutput.write(Data(text.utf8))
        return lines.count
    }
}
