using System.Text.Json;
using InnerWarden.Mesh.Host.Identity;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden mesh identity</c>: shows this node's id and key file, creating the key on first use as the agent does.</summary>
internal static class IdentityCommandHandler
{
    /// <summary>Prints node_id, key file and whether it was just created. Exit 0, or 1 when the key file cannot be used.</summary>
    public static int Run(string dataDirectory, bool json, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (string.IsNullOrWhiteSpace(dataDirectory))
        {
            stderr.WriteLine("innerwarden mesh identity: no data directory given");
            return 1;
        }
        using var identity = TryLoad(dataDirectory, stderr);
        if (identity is not null)
        {
            if (identity.PermissionWarning is not null)
            {
                stderr.WriteLine("warning: " + identity.PermissionWarning);
            }
            if (json)
            {
                using var buffer = new MemoryStream();
                using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
                {
                    writer.WriteStartObject();
                    writer.WriteString("node_id", identity.NodeId);
                    writer.WriteString("key_file", identity.KeyFilePath);
                    writer.WriteBoolean("created", identity.WasCreated);
                    writer.WriteEndObject();
                }
                stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            }
            else
            {
                stdout.WriteLine("node_id:  " + identity.NodeId);
                stdout.WriteLine("key_file: " + identity.KeyFilePath);
                stdout.WriteLine("created:  " + (identity.WasCreated ? "yes (new identity generated now)" : "no"));
            }
            return 0;
        }
        return 1;
    }

    private static NodeIdentity? TryLoad(string dataDirectory, TextWriter stderr)
    {
        try
        {
            return NodeIdentity.LoadOrCreate(dataDirectory);
        }
        catch (IdentityException ex)
        {
            stderr.WriteLine("innerwarden mesh identity: " + ex.Message);
            return null;
        }
    }
}
