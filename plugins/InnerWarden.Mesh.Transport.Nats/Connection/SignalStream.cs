using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace InnerWarden.Mesh.Transport.Nats.Connection;

/// <summary>
/// The JetStream layout: one stream (<see cref="NatsTransportOptions.Stream"/>) holding the subject's last hour, with
/// a one-hour duplicate window on <c>Nats-Msg-Id</c> (the signal's signature), and one consumer per node on it: a
/// durable one named after the node id when catching up (the server keeps its place while the node is away), else an
/// ephemeral one that starts at new messages.
/// </summary>
internal sealed partial class SignalStream(NatsTransportOptions options, ILogger logger)
{
    // JetStream API error codes (ApiError.ErrCode) this layer handles.
    private const int StreamNotFound = 10059;
    private const int StreamNameInUse = 10058;

    /// <summary>A durable consumer nobody pulls from for this long is removed by the server (a decommissioned node's).</summary>
    public static readonly TimeSpan DurableInactiveThreshold = TimeSpan.FromDays(1);

    /// <summary>An ephemeral consumer (<c>catch_up: false</c>) outlives a disconnection of this long; after it, the node starts again at new messages.</summary>
    public static readonly TimeSpan EphemeralInactiveThreshold = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a delivered message may go unacknowledged before the server hands it out again. Also how late a message
    /// arrives that was in flight to a node when a server died: 5 s, where a signal is judged in milliseconds (and a
    /// repeat, should the host be slower, is answered as a duplicate).
    /// </summary>
    public static readonly TimeSpan AckWait = TimeSpan.FromSeconds(5);

    /// <summary>The stream a missing stream is created as.</summary>
    public StreamConfig Config => new(options.Stream, [options.Subject])
    {
        Description = "InnerWarden.Mesh threat signals (signed; every node verifies each one itself)",
        MaxAge = NatsTransportOptions.StreamMaxAge,
        DuplicateWindow = NatsTransportOptions.StreamMaxAge,
        NumReplicas = options.Replicas,
        Storage = StreamConfigStorage.File,
        Retention = StreamConfigRetention.Limits,
        Discard = StreamConfigDiscard.Old,
    };

    /// <summary>Finds the stream, or creates it when absent. An existing stream is used as the operator made it.</summary>
    public async Task EnsureAsync(NatsJSContext js, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(js);
        try
        {
            var existing = await js.GetStreamAsync(options.Stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            WarnIfSubjectMissing(existing.Info.Config);
            return;
        }
        catch (NatsJSApiException ex) when (ex.Error.ErrCode == StreamNotFound)
        {
            // Absent: created below.
        }
        try
        {
            await js.CreateStreamAsync(Config, cancellationToken).ConfigureAwait(false);
            LogCreated(logger, options.Stream, options.Subject, options.Replicas);
        }
        catch (NatsJSApiException ex) when (ex.Error.ErrCode == StreamNameInUse)
        {
            // Another node created it a moment ago, perhaps with other settings: use it as it is.
            var existing = await js.GetStreamAsync(options.Stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            WarnIfSubjectMissing(existing.Info.Config);
        }
    }

    /// <summary>The consumer this node reads through, created or (durable) resumed where the server left it.</summary>
    public async Task<INatsJSConsumer> ConsumerAsync(NatsJSContext js, string nodeId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(js);
        var config = ConsumerConfigFor(nodeId);
        return await js.CreateOrUpdateConsumerAsync(options.Stream, config, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Explicit acks (the node acks after its durable commit); redelivery after <see cref="AckWait"/> if the node never
    /// answers; no delivery limit, since the stream's hour bounds it anyway.
    /// </summary>
    public ConsumerConfig ConsumerConfigFor(string nodeId)
    {
        var config = new ConsumerConfig
        {
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            FilterSubject = options.Subject,
            AckWait = AckWait,
            MaxAckPending = 1000,
        };
        if (options.CatchUp)
        {
            config.DurableName = nodeId;
            config.Name = nodeId;
            config.DeliverPolicy = ConsumerConfigDeliverPolicy.All;
            config.InactiveThreshold = DurableInactiveThreshold;
            config.Description = "InnerWarden.Mesh node " + nodeId + ": catch-up";
        }
        else
        {
            // Named, or the client library gives every unnamed consumer of the stream one name and nodes would share it;
            // a new name per start, so a restart never resumes an old position.
            config.Name = nodeId + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
            config.DeliverPolicy = ConsumerConfigDeliverPolicy.New;
            config.InactiveThreshold = EphemeralInactiveThreshold;
            config.Description = "InnerWarden.Mesh node " + nodeId + ": new signals only";
        }
        return config;
    }

    private void WarnIfSubjectMissing(StreamConfig config)
    {
        if (config.Subjects is { } subjects && !subjects.Any(s => Covers(s, options.Subject)))
        {
            LogSubjectMissing(logger, options.Stream, options.Subject, string.Join(", ", subjects));
        }
    }

    // Whether a stream subject (possibly with wildcards) covers a literal subject.
    internal static bool Covers(string pattern, string subject)
    {
        var p = pattern.Split('.');
        var s = subject.Split('.');
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] == ">")
            {
                return s.Length > i;
            }
            if (i >= s.Length || (p[i] != "*" && p[i] != s[i]))
            {
                return false;
            }
        }
        return p.Length == s.Length;
    }

    [LoggerMessage(EventId = 3152, Level = LogLevel.Information, Message = "created JetStream stream {Stream} for {Subject} (max age 1 h, duplicate window 1 h, {Replicas} replica(s))")]
    private static partial void LogCreated(ILogger logger, string stream, string subject, int replicas);

    [LoggerMessage(EventId = 3153, Level = LogLevel.Error,
        Message = "JetStream stream {Stream} exists but does not take subject {Subject} (it takes {Subjects}): signals published there are stored by no stream; fix the stream or plugin_settings.nats.subject")]
    private static partial void LogSubjectMissing(ILogger logger, string stream, string subject, string subjects);
}
