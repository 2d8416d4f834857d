using Microsoft.Extensions.Logging;

namespace InnerWarden.Mesh.Host.Agent;

/// <summary>
/// What reaches the journal at a log level. Above debug the framework keeps quiet: ASP.NET Core writes two lines per
/// request (anyone who can reach the port could fill the journal), the hosting lifetime repeats "Application started",
/// "Hosting environment" and "Content root path" for every server in the process, and the generic host's report of a
/// failed start is a stack trace (the agent prints that failure as one line). At debug all of it returns.
/// </summary>
internal static class JournalFilters
{
    /// <summary>Sets <paramref name="level"/> as the minimum and, above debug, silences the framework's routine lines.</summary>
    public static ILoggingBuilder Apply(ILoggingBuilder builder, LogLevel level)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.SetMinimumLevel(level);
        if (level > LogLevel.Debug)
        {
            builder.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
            builder.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            builder.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        }
        return builder;
    }
}
