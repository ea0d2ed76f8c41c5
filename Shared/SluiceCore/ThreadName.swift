import Foundation

/// Names the calling OS thread (as `top -H`, perf, gdb and `Thread.name` show it).
/// Call it from inside the thread: a new Linux thread otherwise keeps its creator's
/// name.
///
/// It writes the kernel's own file for the name, `/proc/thread-self/comm` (what
/// glibc's `pthread_setname_np` does too, which Swift cannot call without
/// `_GNU_SOURCE`), rather than setting `Thread.current.name`: Foundation applies that
/// name only once the parent thread has stored the new thread's handle, which races
/// with the new thread's first instructions, so the name was sometimes dropped.
///
/// Linux keeps 15 bytes of a name and refuses a longer one outright, which would leave
/// the creator's name in place: the name is cut to ``maxThreadNameBytes`` first.
public func nameCurrentThread(_ name: String) {
    var kept = Substring(name)
    while kept.utf8.count > maxThreadNameBytes { kept.removeLast() }
    let descriptor = open("/proc/thread-self/comm", O_WRONLY)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    let bytes = Array(kept.utf8)
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
}

/// The longest thread name Linux keeps, in bytes.
public let maxThreadNameBytes = 15
