using System.Runtime.InteropServices;
using InnerWarden.Mesh.Contracts.Enforcement;
using InnerWarden.Mesh.Enforcers.Commands;

namespace InnerWarden.Mesh.Enforcers.Nftables.Native;

/// <summary>
/// Runs the nftables enforcer's <c>nft</c> commands through libnftables in process: <c>nft -f -</c> with a script
/// becomes one <c>nft_run_cmd_from_buffer</c> (one transaction, as with the process), <c>nft -j list ...</c> the same
/// command with JSON output. One context on one owner thread (<see cref="OwnerThread"/>), which first enters the
/// configured network namespace. The command timeout bounds every call: a call that overruns is reported as the
/// process's would be, and its thread and context are abandoned, so the next call starts on a fresh pair instead
/// of queueing behind a stuck one.
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

    /// <summary>A context and the thread that owns it (and is in the namespace).</summary>
#pragma warning disable CA2216 // No finalizer: the context may only be freed on its owner thread, after a stuck call returns.
    private sealed class Session : IDisposable
#pragma warning restore CA2216
    {
        private readonly string? _networkNamespace;
        private IntPtr _ctx;
        private string? _failure;

        public Session(string? networkNamespace)
        {
            _networkNamespace = networkNamespace;
            Thread = new OwnerThread(networkNamespace is null ? "libnftables" : $"libnftables {networkNamespace}");
        }

        public OwnerThread Thread { get; }

        // Always on the owner thread.
        public CommandResult Run(bool json, string command)
        {
            if (_ctx == IntPtr.Zero && _failure is null)
            {
                _failure = Open();
            }
            if (_failure is not null)
            {
                throw new EnforcerException(_failure);
            }
            var flags = LibNftables.CtxOutputGetFlags(_ctx);
            LibNftables.CtxOutputSetFlags(_ctx, json ? flags | LibNftables.OutputJson : flags & ~LibNftables.OutputJson);
            var rc = LibNftables.RunCmdFromBuffer(_ctx, command);
            // Each get returns what was written since the last one and starts the buffer anew.
            var stdout = Marshal.PtrToStringUTF8(LibNftables.CtxGetOutputBuffer(_ctx)) ?? "";
            var stderr = Marshal.PtrToStringUTF8(LibNftables.CtxGetErrorBuffer(_ctx)) ?? "";
            return new CommandResult(rc == 0 ? 0 : 1, stdout, stderr);
        }

        private string? Open()
        {
            if (_networkNamespace is { } ns)
            {
                var path = $"/run/netns/{ns}";
                try
                {
                    using var fd = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
                    if (LibNftables.EnterNetworkNamespace(fd) is var errno and not 0)
                    {
                        return $"libnftables: could not enter network namespace {ns} (setns: errno {errno})";
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return $"libnftables: network namespace {ns} cannot be opened ({path}: {e.Message})";
                }
            }
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
