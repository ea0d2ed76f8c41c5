/// A setting (an environment variable) whose value cannot be used: the process stops
/// at start with ``description`` as its one line and ``ProgramExit/configuration``.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    /// The environment variable.
    public let key: String
    /// What it holds (with any password already left out).
    public let value: String
    /// What it should hold, as a phrase ("a whole number from 1 to 65535").
    public let expected: String

    /// Creates the error.
    public init(key: String, value: String, expected: String) {
        self.key = key
        self.value = value
        self.expected = expected
    }

    public var description: String { "\(key)='\(value)' is not \(expected)" }
}

/// An error that can say a setting cannot be used, so that a program stops with one line
/// naming it (``ProgramExit``) instead of a crash report. ``ConfigurationError`` always
/// does; a library's own error type does for its configuration code.
public protocol SettingProblem: Error {
    /// One line naming the setting, its value and what it accepts; nil when the error is
    /// about something else.
    var settingProblem: String? { get }
}

extension ConfigurationError: SettingProblem {
    public var settingProblem: String? { description }
}
