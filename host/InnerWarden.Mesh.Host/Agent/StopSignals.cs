using System.Runtime.InteropServices;

namespace InnerWarden.Mesh.Host.Agent;

/// <summary>
/// SIGTERM, SIGINT and SIGQUIT cancel a token instead of ending the process. Registered first thing in Program, so a stop
/// at any moment of the agent's start (reading the config, composing the node, probing enforcers, binding) unwinds it and
/// exits 0, where the runtime's own handling would end the process mid-start (exit 143).
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;

    public StopSignals()
    {
        PosixSignal[] signals = OperatingSystem.IsWindows() ? [PosixSignal.SIGINT] : [PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT];
        _registrations = [.. signals.Select(s => PosixSignalRegistration.Create(s, OnSignal))];
    }

    /// <summary>Cancelled by the first stop signal.</summary>
    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
        _stop.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The agent is already past its run.
        }
    }
}
