import SluiceCore

extension AMQPConnection {
    /// Connects to the first of `configuration`'s nodes that answers, trying them in
    /// turn from `preferred` on (wrapping around), and returns the connection with the
    /// index of the node it reached, so that the next attempt starts there again.
    ///
    /// - Throws: the node's own error when there is one node; otherwise an
    ///   ``AMQPError/Code/connectionFailed`` that names every node and why it failed.
    static func open(_ configuration: AMQPConfiguration, preferred: Int = 0) throws -> (connection: AMQPConnection, node: Int) {
        let endpoints = configuration.endpoints
        var failures: [String] = []
        for step in endpoints.indices {
            let node = (preferred + step) % endpoints.count
            do {
                let connection = try AMQPConnection(configuration: configuration, endpoint: endpoints[node])
                ConnectionObservation.observer?.connectionAttempted(.broker, opened: true)
                return (connection, node)
            } catch {
                ConnectionObservation.observer?.connectionAttempted(.broker, opened: false)
                if endpoints.count == 1 { throw error }
                failures.append("\(error)")
            }
        }
        throw AMQPError(.connectionFailed, "no broker node answered: \(failures.joined(separator: "; "))")
    }
}
