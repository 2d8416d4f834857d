using System.Runtime.InteropServices;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Enforcers.Commands;

namespace InnerWarden.Mesh.Enforcers.Nftables.Native;

/// <summary>
/// Runs the nftables enforcer's <c>nft</c> commands through libnftables in process: <c>nft -f -</c> with a script
/// becomes one <c>nft_run_cmd_from_buffer</c> (one transaction, as with the process), <c>nft -j list ...</c> the same
/// command with JSON output. One context on one owner thread (<see cref="OwnerThread"/>), which is in the configured
/// network namespace while a call runs, and only then. The command timeout bounds every call: a call that overruns
/// is reported as the process's would be, and its thread and context are abandoned, so the next call starts on a
/// fresh pair instead of queueing behind a stuck one.
/// </summary>
internal sealed class LibNftablesRunner(TimeSpan timeout, string? networkNamespace = null) : ICommandRunner, IDisposable
{
    private readonly Lock _gate = new();
    private Session? _session;

    /// <summary>The netns this runner's thread enters, if any.</summary>
    public string? NetworkNamespace => networkNamespace;

    /// <inheritdoc />
    public async Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? stdin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var (json, command) = Translate(fileName, arguments, stdin);
        var session = Current();
        var call = session.Thread.RunAsync(() => session.Run(json, command));
        try
        {
            return await call.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Abandon(session);
            throw new EnforcerException($"libnftables: `{CommandText.Format(fileName, arguments)}` did not finish within {timeout.TotalSeconds:0.#}s; "
                + "its thread was abandoned and the next command starts on a new one");
        }
    }

    /// <summary>What libnftables is asked for the command line the enforcer would give the nft process.</summary>
    internal static (bool Json, string Command) Translate(string fileName, IReadOnlyList<string> arguments, string? stdin)
    {
        if (fileName != "nft")
        {
            throw new ArgumentException($"libnftables runs nft commands only, not '{fileName}'", nameof(fileName));
        }
        if (arguments is ["-f", "-"] && stdin is not null)
        {
            return (false, stdin);
        }
        var json = arguments.Count > 0 && arguments[0] == "-j";
        var words = json ? arguments.Skip(1).ToList() : arguments.ToList();
        if (stdin is not null || words.Count == 0 || words.Any(w => w.StartsWith('-') || w.Any(char.IsWhiteSpace)))
        {
            throw new ArgumentException($"libnftables cannot run `{CommandText.Format(fileName, arguments)}` (only `nft -f -` with a script and `nft [-j] COMMAND WORDS`)", nameof(arguments));
        }
        return (json, string.Join(' ', words));
    }

    private Session Current()
    {
        lock (_gate)
        {
            return _session ??= new Session(networkNamespace);
        }
    }

    private void Abandon(Session session)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_session, session))
            {
                _session = null;
            }
        }
        // Frees the context once the stuck call returns, if it ever does.
        session.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _session?.Dispose();
            _session = null;
        }
    }

    /// <summary>A context and the thread that owns it (and enters the namespace for each call).</summary>
#pragma warning disable CA2216 // No finalizer: the context may only be freed on its owner thread, after a stuck call returns.
    private sealed class Session : IDisposable
#pragma warning restore CA2216
    {
        private readonly string? _networkNamespace;
        private IntPtr _ctx;
        private string? _failure;
        // The configured namespace and the one the thread started in. The thread is inside only while libnftables
        // runs: a thread created by this one (the thread pool grows from whichever thread queues work, such as the
        // awaiting caller's continuation) would inherit the namespace, and a socket the host opens on it (Kestrel's
        // listener) would then be bound inside the test's namespace instead of the host's.
#pragma warning disable CA2213 // Disposed on the owner thread, after the last call (Dispose queues it there).
        private SafeHandle? _inside;
        private SafeHandle? _home;
#pragma warning restore CA2213

        public Session(string? networkNamespace)
        {
            _networkNamespace = networkNamespace;
            Thread = new OwnerThread(networkNamespace is null ? "libnftables" : $"libnftables {networkNamespace}");
        }

        public OwnerThread Thread { get; }

        // Always on the owner thread.
        public CommandResult Run(bool json, string command)
        {
            if (_networkNamespace is not null && _inside is null && _failure is null)
            {
                _failure = OpenNamespace(_networkNamespace);
            }
            if (_failure is not null)
            {
                throw new EnforcerException(_failure);
            }
            Enter(_inside);
            try
            {
                if (_ctx == IntPtr.Zero)
                {
                    // Opened inside the namespace: the context's netlink socket belongs to the namespace it was made in.
                    _failure = OpenContext();
                    if (_failure is not null)
                    {
                        throw new EnforcerException(_failure);
                    }
                }
                var flags = LibNftables.CtxOutputGetFlags(_ctx);
                LibNftables.CtxOutputSetFlags(_ctx, json ? flags | LibNftables.OutputJson : flags & ~LibNftables.OutputJson);
                var rc = LibNftables.RunCmdFromBuffer(_ctx, command);
                // Each get returns what was written since the last one and starts the buffer anew.
                var stdout = Marshal.PtrToStringUTF8(LibNftables.CtxGetOutputBuffer(_ctx)) ?? "";
                var stderr = Marshal.PtrToStringUTF8(LibNftables.CtxGetErrorBuffer(_ctx)) ?? "";
                return new CommandResult(rc == 0 ? 0 : 1, stdout, stderr);
            }
            finally
            {
                Enter(_home);
            }
        }

        private void Enter(SafeHandle? ns)
        {
            if (ns is not null && LibNftables.EnterNetworkNamespace(ns) is var errno and not 0)
            {
                // Stuck in the wrong namespace: every later call is refused rather than run in the wrong place.
                _failure = $"libnftables: could not switch the network namespace of its thread (setns: errno {errno})";
                throw new EnforcerException(_failure);
            }
        }

        private string? OpenNamespace(string ns)
        {
            var path = $"/run/netns/{ns}";
            try
            {
                _home = File.OpenHandle("/proc/thread-self/ns/net", FileMode.Open, FileAccess.Read);
                _inside = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
                return null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"libnftables: network namespace {ns} cannot be opened ({path}: {e.Message})";
            }
        }

        private string? OpenContext()
        {
            if (!NetAdminCapability.IsEffective())
            {
                // The same words the nft process would print, so callers read one cause whichever path runs.
                return "libnftables: Operation not permitted: this process lacks CAP_NET_ADMIN (CapEff in /proc/self/status), which changing the firewall needs";
            }
            _ctx = LibNftables.CtxNew(0);
            if (_ctx == IntPtr.Zero)
            {
                return "libnftables: nft_ctx_new failed";
            }
            if (LibNftables.CtxBufferOutput(_ctx) != 0 || LibNftables.CtxBufferError(_ctx) != 0)
            {
                return "libnftables: could not buffer the context's output";
            }
            return null;
        }

        public void Dispose()
        {
            try
            {
                _ = Thread.RunAsync(() =>
                {
                    if (_ctx != IntPtr.Zero)
                    {
                        LibNftables.CtxFree(_ctx);
                        _ctx = IntPtr.Zero;
                    }
                    _inside?.Dispose();
                    _home?.Dispose();
                    return true;
                });
                Thread.Dispose();
            }
            catch (InvalidOperationException)
            {
                // Already disposed.
            }
        }
    }
}
