import Foundation

/// The executables `swift build` made beside this test binary (the five services and
/// `sluice`), for tests that start them as a user does.
public enum BuiltProducts {
    /// The folder of the build's products: the test binary's own.
    public static let directory: URL = {
        let beside = Bundle.main.executableURL.map { $0.resolvingSymlinksInPath().deletingLastPathComponent() }
        if let beside, FileManager.default.isExecutableFile(atPath: beside.appendingPathComponent("sluice").path) { return beside }
        return repositoryRoot.appendingPathComponent(".build/debug")
    }()

    /// The path of the executable `name`.
    public static func path(of name: String) -> String {
        directory.appendingPathComponent(name).path
    }
}
