using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace InnerWarden.Mesh.IntegrationTests.Netns;

/// <summary>
/// Two throw-away network namespaces, a "server" and an "attacker", joined by one veth pair and nothing else:
/// no route, bridge or NAT to the machine's real interfaces, so every test packet stays inside them. The
/// public-looking addresses are deliberate (the mesh refuses to block private ranges) and harmless here.
/// Probes run from this process: a socket created on a thread that has entered a namespace lives in that
/// namespace, so no netcat, ping or python is needed in CI — only iproute2.
/// </summary>
internal sealed class NetnsPair : IDisposable
{
    public const string Prefix = "iwm-";
    public static readonly IPAddress ServerV4 = IPAddress.Parse("185.220.1.1");
    public static readonly IPAddress AttackerV4 = IPAddress.Parse("185.220.1.7");
    public static readonly IPAddress ServerV6 = IPAddress.Parse("2a00:1450:4001::1");
    public static readonly IPAddress AttackerV6 = IPAddress.Parse("2a00:1450:4001::7");

    // Namespaces a crashed earlier run left behind; younger ones may belong to a test running right now.
    private static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(30);
    private const int CloneNewNet = 0x40000000;

    private readonly List<TcpListener> _listeners = [];

    private NetnsPair(string server, string attacker)
    {
        Server = server;
        Attacker = attacker;
    }

    public string Server { get; }

    public string Attacker { get; }

    /// <summary>Why namespace tests cannot run here, or null when they can.</summary>
    public static string? SkipReason()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }
        if (Environment.UserName != "root")
        {
            return $"network namespace tests need root (running as {Environment.UserName}); CI runs them as root";
        }
        return FindTool("ip") is null ? "`ip` (iproute2) is not installed" : null;
    }

    /// <summary>Creates a pair, or skips the test with the reason namespaces or one of <paramref name="tools"/> are not available.</summary>
    public static NetnsPair CreateOrSkip(params string[] tools)
    {
        var reason = SkipReason() ?? tools.Where(t => FindTool(t) is null).Select(t => $"`{t}` is not installed").FirstOrDefault();
        Skip.If(reason is not null, reason);
        return Create();
    }

    /// <summary>Full path of a tool on PATH or in the sbin folders, or null.</summary>
    public static string? FindTool(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", "/usr/local/sbin"]);
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    public static NetnsPair Create()
    {
        RemoveStale();
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var pair = new NetnsPair($"{Prefix}srv-{id}", $"{Prefix}atk-{id}");
        try
        {
            var vs = $"iwms{id}";
            var va = $"iwma{id}";
            Ip("netns", "add", pair.Server);
            Ip("netns", "add", pair.Attacker);
            Ip("link", "add", vs, "netns", pair.Server, "type", "veth", "peer", "name", va, "netns", pair.Attacker);
            foreach (var (ns, dev, v4, v6) in new[] { (pair.Server, vs, ServerV4, ServerV6), (pair.Attacker, va, AttackerV4, AttackerV6) })
            {
                Ip("-n", ns, "link", "set", "lo", "up");
                Ip("-n", ns, "addr", "add", $"{v4}/24", "dev", dev);
                // nodad: the address is usable at once instead of after duplicate address detection.
                Ip("-n", ns, "-6", "addr", "add", $"{v6}/64", "dev", dev, "nodad");
                Ip("-n", ns, "link", "set", dev, "up");
            }
        }
        catch
        {
            pair.Dispose();
            throw;
        }
        return pair;
    }

    /// <summary>Starts a TCP listener (dual-stack) inside the server namespace and returns its port.</summary>
    public int Listen()
    {
        var listener = InNamespace(Server, () =>
        {
            var l = new TcpListener(IPAddress.IPv6Any, 0);
            l.Server.DualMode = true;
            l.Start();
            return l;
        });
        _listeners.Add(listener);
        // Accept and close, so the backlog never fills however many probes a test makes.
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var s = await listener.AcceptSocketAsync().ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Stopped in Dispose.
            }
        });
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>True when a TCP connect from the attacker namespace to the server succeeds within a second.</summary>
    public async Task<bool> CanConnectAsync(IPAddress server, int port)
    {
        using var socket = InNamespace(Attacker, () => new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await socket.ConnectAsync(server, port, cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            return false;
        }
    }

    /// <summary>True when an ICMP echo from the attacker namespace to the server is answered within a second.</summary>
    public bool CanPing(IPAddress server)
    {
        var v6 = server.AddressFamily == AddressFamily.InterNetworkV6;
        using var socket = InNamespace(Attacker, () => new Socket(server.AddressFamily, SocketType.Raw, v6 ? ProtocolType.IcmpV6 : ProtocolType.Icmp));
        socket.ReceiveTimeout = 250;
        var id = (ushort)Random.Shared.Next(1, ushort.MaxValue);
        var request = new byte[16];
        request[0] = v6 ? (byte)128 : (byte)8;
        request[4] = (byte)(id >> 8);
        request[5] = (byte)id;
        request[7] = 1;
        if (!v6)
        {
            // The kernel fills in the ICMPv6 checksum itself; ICMPv4 needs ours.
            var sum = Checksum(request);
            request[2] = (byte)(sum >> 8);
            request[3] = (byte)sum;
        }
        socket.SendTo(request, new IPEndPoint(server, 0));
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        var buffer = new byte[1500];
        while (Stopwatch.GetTimestamp() < deadline)
        {
            EndPoint from = new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            int n;
            try
            {
                n = socket.ReceiveFrom(buffer, ref from);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                continue;
            }
            // An IPv4 raw socket hands us the IP header too; IPv6 does not.
            var offset = v6 ? 0 : (buffer[0] & 0x0f) * 4;
            if (n >= offset + 8 && ((IPEndPoint)from).Address.Equals(server)
                && buffer[offset] == (v6 ? 129 : 0) && buffer[offset + 4] == (byte)(id >> 8) && buffer[offset + 5] == (byte)id)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Runs a command inside the server namespace and returns its stdout; throws on failure.</summary>
    public string ExecInServer(string fileName, params string[] args) => Run("ip", ["netns", "exec", Server, fileName, .. args]);

    public void Dispose()
    {
        foreach (var l in _listeners)
        {
            l.Stop();
        }
        // Deleting a namespace destroys its end of the veth pair, and with it the peer.
        foreach (var ns in new[] { Server, Attacker })
        {
            TryRun("ip", "netns", "delete", ns);
        }
    }

    private static T InNamespace<T>(string ns, Func<T> create)
    {
        // setns changes only the calling thread, so a short-lived thread enters the namespace and dies there.
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{ns}");
                if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns into {ns} failed: errno {Marshal.GetLastPInvokeError()}");
                }
                result = create();
            }
#pragma warning disable CA1031 // The failure is handed to the calling thread, which rethrows it after the join.
            catch (Exception e)
#pragma warning restore CA1031
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            throw new InvalidOperationException($"could not create a socket in namespace {ns}: {error.Message}", error);
        }
        return result!; // Set whenever no error was caught.
    }

    private static ushort Checksum(byte[] data)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2)
        {
            sum += (uint)((data[i] << 8) | data[i + 1]);
        }
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    private static void RemoveStale()
    {
        var dir = new DirectoryInfo("/var/run/netns");
        if (!dir.Exists)
        {
            return;
        }
        foreach (var f in dir.GetFiles(Prefix + "*"))
        {
            if (DateTime.UtcNow - f.LastWriteTimeUtc > StaleAfter)
            {
                TryRun("ip", "netns", "delete", f.Name);
            }
        }
    }

    private static void Ip(params string[] args) => Run("ip", args);

    private static void TryRun(string fileName, params string[] args)
    {
        try
        {
            Run(fileName, args);
        }
        catch (InvalidOperationException)
        {
            // Best effort: cleanup of something already gone.
        }
    }

    private static string Run(string fileName, string[] args)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        using var p = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"`{fileName} {string.Join(' ', args)}` failed ({p.ExitCode}): {stderr.Trim()}"));
        }
        return stdout.Result;
    }

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int setns(int fd, int nstype);
}
