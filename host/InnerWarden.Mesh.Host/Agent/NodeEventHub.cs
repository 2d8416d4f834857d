using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Agent;

/// <summary>
/// Delivers <see cref="NodeEvent"/>s to the node's narration hook, shared by the pipeline and the coordinator.
/// A throwing observer is logged and never breaks the node.
/// </summary>
internal sealed partial class NodeEventHub(ILogger logger)
{
    public Action<NodeEvent>? Observer { get; set; }

    /// <summary>The metrics recorder, beside the narration observer (both may be set).</summary>
    public Action<NodeEvent>? Recorder { get; set; }

    /// <summary>True when someone listens; hot paths check it before building an event.</summary>
    public bool IsObserved => Observer is not null || Recorder is not null;

    public void Publish(NodeEvent e)
    {
        var observer = Observer;
        var recorder = Recorder;
        if (observer is null && recorder is null)
        {
            return;
        }
        try
        {
            recorder?.Invoke(e);
            observer?.Invoke(e);
        }
#pragma warning disable CA1031 // A narration hook must never break the node.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogObserverFailed(logger, e.Kind.ToString(), ex.Message);
        }
    }

    [LoggerMessage(EventId = 3606, Level = LogLevel.Warning, Message = "node observer failed on {Kind}: {Error}")]
    private static partial void LogObserverFailed(ILogger logger, string kind, string error);
}
