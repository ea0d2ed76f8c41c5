/// A failure of the CUDA backend, with the message of the call that failed.
public struct CUDAError: Error, CustomStringConvertible, Sendable {
    /// What the failure means for the device.
    public enum Kind: Sendable {
        /// No usable GPU: no driver library, no device, or one too old.
        case unavailable
        /// One call failed (e.g. out of device memory); the device stays usable.
        case failed
        /// The context is unusable after this (a sticky error such as an illegal address).
        case fatal
    }

    public var kind: Kind
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
