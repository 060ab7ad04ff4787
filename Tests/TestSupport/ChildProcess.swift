import CSpawn
import Foundation
import Synchronization

/// A child process started with posix_spawn and reaped with waitpid, in place of Foundation's `Process`.
///
/// Swift 6.3.1's `Process.run()` on Linux intermittently crashes the whole test process: it reads a
/// 256-byte `d_name` out of each `/proc/self/fd` entry, past the end of glibc's readdir buffer when the
/// record sits at its end (swift-corelibs-foundation PR #5472, merged after 6.3.1). This suite spawns
/// hundreds of processes with many descriptors open, and hit it about once in three runs.
public final class ChildProcess: Sendable {
    /// Its process id.
    public let pid: pid_t
    /// The wait status once reaped; nil while it runs.
    private let reaped = Mutex<Int32?>(nil)

    /// Why a spawn failed.
    public struct SpawnError: Error, CustomStringConvertible {
        public let executable: String
        public let code: Int32
        public var description: String { "cannot start \(executable): \(String(cString: strerror(code)))" }
    }

    /// Starts `executable` (a path, not searched on PATH) with `arguments` (argv[1...]) and exactly
    /// `environment`. stdin is /dev/null; stdout and stderr are appended to `outputPath`; no other
    /// descriptor of this process leaks into the child.
    public init(executable: String, arguments: [String], environment: [String: String], outputPath: String,
                currentDirectory: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Each action is only recorded here (it runs in the child); a refusal means a leak or the
        // wrong folder, so it fails the spawn.
        var codes = [
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0),
            posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644),
            posix_spawn_file_actions_adddup2(&actions, 1, 2),
            cspawn_addclosefrom(&actions, 3),
        ]
        if let currentDirectory { codes.append(cspawn_addchdir(&actions, currentDirectory)) }
        if let failed = codes.first(where: { $0 != 0 }) { throw SpawnError(executable: executable, code: failed) }

        // A fresh default signal mask and dispositions: the test runner blocks signals in its threads.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let code = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard code == 0 else { throw SpawnError(executable: executable, code: code) }
        pid = child
    }

    deinit {
        // A child still running when its owner goes is killed and reaped, never left as a zombie;
        // SIGKILL cannot be caught, so the blocking wait ends.
        if isRunning {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
    }

    /// Whether it is still running (reaps it if it has exited).
    public var isRunning: Bool {
        reaped.withLock { status in
            guard status == nil else { return false }
            var wait: Int32 = 0
            let result = waitpid(pid, &wait, WNOHANG)
            if result == pid { status = wait }
            // ECHILD: already reaped by someone else; treat as gone with an unknown status.
            if result == -1 && errno == ECHILD { status = -1 }
            return status == nil
        }
    }

    /// Its exit code once it has exited; 128 + the signal number if a signal ended it (the shell's
    /// convention, so that a crash is never 0); -1 while it runs or if unknown.
    public var terminationStatus: Int32 {
        guard !isRunning, let status = reaped.withLock({ $0 }), status != -1 else { return -1 }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Sends `signal`, unless it has been reaped (its pid may belong to another process by then).
    public func signal(_ signal: Int32) {
        guard isRunning else { return }
        kill(pid, signal)
    }

    /// Stops it with SIGSTOP and returns once every one of its threads has stopped (or it exited).
    ///
    /// `kill` only starts a stop: the kernel wakes one thread to take SIGSTOP, and the others stop
    /// when that thread runs. On a busy machine the others keep serving for milliseconds after
    /// `kill` returned, so a test that sends SIGSTOP and then asks the process something could be
    /// answered by the "stopped" process. `waitpid(WUNTRACED)` reports the stop once it is complete.
    public func suspend() {
        reaped.withLock { status in
            guard status == nil else { return }
            kill(pid, SIGSTOP)
            var wait: Int32 = 0
            while true {
                let result = waitpid(pid, &wait, WUNTRACED)
                if result == pid {
                    let stopped = wait & 0xff == 0x7f
                    if !stopped { status = wait }  // it exited instead
                    return
                }
                if result == -1 && errno == EINTR { continue }
                status = -1  // ECHILD: reaped elsewhere, gone
                return
            }
        }
    }
}
